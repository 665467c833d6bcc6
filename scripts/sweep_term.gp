# sweep_term.gp -- terminal setup shared by the sweep figures (loaded by them).
# Expects fmt ('png', 'svg', 'pdf') and out (the output path) from the driver;
# w_px, h_px set the size in pixels (pdf: 100 px per inch).
if (!exists("w_px")) w_px = 1000
if (!exists("h_px")) h_px = 700
if (fmt eq 'svg') {
    set terminal svg size w_px,h_px noenhanced font 'DejaVu Sans,13' background rgb 'white'
} else {
    if (fmt eq 'pdf') {
        set terminal pdfcairo size (w_px/100.0),(h_px/100.0) noenhanced font 'DejaVu Sans,11'
    } else {
        set terminal pngcairo size w_px,h_px noenhanced font 'DejaVu Sans,13'
    }
}
set output out
set border lw 1 lc rgb '#444444'
set grid lc rgb '#dddddd' lw 1 dt 1
