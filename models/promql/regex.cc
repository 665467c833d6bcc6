// regex.cc -- the C wrapper of regex.h over RE2 (see there).  Compiled as
// C++17; nothing else in the project is C++.
#include "models/promql/regex.h"

#include <re2/re2.h>

#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

struct asim_regex {
    RE2 re;
    explicit asim_regex(const std::string &p) : re(p, RE2::Quiet) {}
};

extern "C" asim_regex *asim_regex_compile(const char *pattern, char *err, size_t errlen)
{
    asim_regex *r = new (std::nothrow) asim_regex("^(?:" + std::string(pattern) + ")$");
    if (!r) {
        if (err && errlen) snprintf(err, errlen, "out of memory");
        return nullptr;
    }
    if (!r->re.ok()) {
        if (err && errlen) snprintf(err, errlen, "%s", r->re.error().c_str());
        delete r;
        return nullptr;
    }
    return r;
}

extern "C" void asim_regex_free(asim_regex *re) { delete re; }

extern "C" int asim_regex_match(const asim_regex *re, const char *s, size_t n)
{
    return re->re.Match(re2::StringPiece(s, n), 0, n, RE2::ANCHOR_BOTH, nullptr, 0) ? 1 : 0;
}

static bool is_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

// The group a Go template name refers to, or -1: a number (all digits) or a
// named group.
static int group_of(const asim_regex *re, const std::string &name)
{
    bool digits = !name.empty();
    for (char c : name) digits = digits && c >= '0' && c <= '9';
    if (digits) {
        if (name.size() > 9) return -1;
        return std::atoi(name.c_str());
    }
    const auto &named = re->re.NamedCapturingGroups();
    auto it = named.find(name);
    return it == named.end() ? -1 : it->second;
}

extern "C" int asim_regex_expand(const asim_regex *re, const char *s, const char *tmpl, char **out)
{
    int ng = re->re.NumberOfCapturingGroups() + 1;
    std::vector<re2::StringPiece> g((size_t)ng);
    size_t n = std::strlen(s);
    if (!re->re.Match(re2::StringPiece(s, n), 0, n, RE2::ANCHOR_BOTH, g.data(), ng)) return 0;
    std::string o;
    for (const char *p = tmpl; *p;) {
        if (*p != '$') { o += *p++; continue; }
        p++;
        if (*p == '$') { o += '$'; p++; continue; }
        std::string name;
        if (*p == '{') {                   // ${name}: up to the closing brace
            const char *q = p + 1;
            while (*q && is_name_char(*q)) q++;
            if (*q != '}' || q == p + 1) { o += '$'; continue; }   // not a reference: literal $
            name.assign(p + 1, q);
            p = q + 1;
        } else {
            const char *q = p;
            while (*q && is_name_char(*q)) q++;
            if (q == p) { o += '$'; continue; }
            name.assign(p, q);
            p = q;
        }
        int k = group_of(re, name);
        if (k >= 0 && k < ng && g[(size_t)k].data()) o.append(g[(size_t)k].data(), g[(size_t)k].size());
    }
    *out = static_cast<char *>(std::malloc(o.size() + 1));
    if (!*out) return -1;
    std::memcpy(*out, o.c_str(), o.size() + 1);
    return 1;
}
