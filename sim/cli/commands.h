/* commands.h -- the program's commands: `autoscale-sim <command> [options]`.
 *
 * Each command is one function in its own file sim/cmd_<name>.c, called by
 * main() with argv[0] being the command's name.  It parses its options with
 * getopt_long and returns the process exit status:
 *   0  success
 *   1  runtime error (I/O, a missing tool such as gnuplot)
 *   2  bad input or usage (message "autoscale-sim <command>: error: ..." on stderr)
 * `--help` prints the command's usage to stdout and returns 0.  Data go to
 * stdout or files, messages to stderr.  Commands never call exit().
 *
 * A command is an ordinary symbol: main.c's table names every one, so a
 * missing sim/cmd_<name>.c is a link error (never a command that silently
 * disappears while its tests still pass).  A new command adds its file, its
 * declaration here and one line in main.c's table. */
#ifndef ASIM_COMMANDS_H
#define ASIM_COMMANDS_H

/* Simulate one scenario and write its output files (cmd_run.c). */
int asim_cmd_run(int argc, char **argv);
/* Print the settings table, or a scenario fully resolved (cmd_settings.c). */
int asim_cmd_settings(int argc, char **argv);
/* Print the program's version (main.c). */
int asim_cmd_version(int argc, char **argv);

/* The other commands, one file each (sim/cmd_<name>.c). */
int asim_cmd_promql(int argc, char **argv);
int asim_cmd_replay(int argc, char **argv);
int asim_cmd_alerts(int argc, char **argv);
int asim_cmd_trace(int argc, char **argv);
int asim_cmd_plot(int argc, char **argv);
int asim_cmd_compare(int argc, char **argv);
/* compare --policies a.json,b.json SCENARIO: runs each policy, then compares. */
int asim_cmd_compare_policies(int argc, char **argv);
int asim_cmd_report(int argc, char **argv);
int asim_cmd_sweep(int argc, char **argv);
int asim_cmd_merge(int argc, char **argv);
int asim_cmd_tune(int argc, char **argv);
/* The user's prometheus.yml, rule files, compose environment, HPA manifest -> settings. */
int asim_cmd_import(int argc, char **argv);

#endif
