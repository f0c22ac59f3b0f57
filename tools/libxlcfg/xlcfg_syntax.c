/*
 * xl.cfg syntax: a hand-written lexer and recursive-descent parser.
 *
 *   file    := { [ setting ] ( NEWLINE | ';' ) } [ setting ]
 *   setting := KEY ( '=' | '+=' ) value
 *   value   := STRING | NUMBER | '[' nl* [ value nl* { ',' nl* value nl* }
 *              [ ',' nl* ] ] ']'
 *
 * Comments run from '#' to the end of the line. Strings take either
 * quote, may not span lines, and understand \" \' \\ \a \b \f \n \r \t
 * \v \xHH and \OOO. After an error the parser skips to the next line
 * outside brackets and goes on, so one run reports several mistakes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "xlcfg.h"
#include "xlcfg_internal.h"

enum tok {
    T_EOF,
    T_NL,
    T_IDENT,
    T_STRING,
    T_NUMBER,
    T_EQ,
    T_PLUSEQ,
    T_COMMA,
    T_LBRACK,
    T_RBRACK,
    T_SEMI,
    T_ERROR,            /* the lexer has already reported it */
};

struct lexer {
    const char *buf;
    size_t len, pos;
    unsigned int line, col;
    struct xlcfg_diags *d;
    int likely_python;
    int stop;           /* too many errors or out of memory */
    int quiet;          /* skipping a broken statement: no more errors */
    /* current token */
    enum tok t;
    unsigned int tline, tcol;
    char *text;         /* IDENT, STRING, NUMBER (malloc'd) */
};

static int lx_peekc(const struct lexer *lx, size_t ahead)
{
    size_t p = lx->pos + ahead;

    return p < lx->len ? (unsigned char)lx->buf[p] : -1;
}

static void lx_adv(struct lexer *lx)
{
    if (lx->pos >= lx->len)
        return;
    if (lx->buf[lx->pos] == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->pos++;
}

static void lx_error(struct lexer *lx, unsigned int line, unsigned int col,
                     const char *fmt, const char *arg)
{
    if (lx->quiet)
        return;
    if (lx->d->nerrors >= XLCFG_MAX_ERRORS) {
        lx->stop = 1;
        return;
    }
    if (xlcfg_diag_add(lx->d, XLCFG_ERROR, line, col, fmt, arg) < 0)
        lx->stop = 1;
}

static int is_ident_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static int is_ident_char(int c)
{
    return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

static int is_digit(int c)
{
    return c >= '0' && c <= '9';
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Reads a quoted string; the opening quote is at lx->pos. */
static enum tok lx_string(struct lexer *lx)
{
    int q = lx_peekc(lx, 0);
    size_t start = lx->pos;
    size_t end;
    char *out, *o;

    /* The raw length bounds the decoded one. */
    for (end = start + 1; end < lx->len; end++) {
        char c = lx->buf[end];

        if (c == '\\' && end + 1 < lx->len && lx->buf[end + 1] != '\n') {
            end++;
            continue;
        }
        if (c == q || c == '\n')
            break;
    }
    if (end >= lx->len || lx->buf[end] != q) {
        lx_error(lx, lx->tline, lx->tcol,
                 "unterminated string (missing closing %s)",
                 q == '"' ? "\"" : "'");
        while (lx->pos < lx->len && lx->buf[lx->pos] != '\n')
            lx_adv(lx);
        return T_ERROR;
    }
    out = malloc(end - start);
    if (!out) {
        lx->stop = 1;
        return T_ERROR;
    }
    o = out;
    lx_adv(lx);                             /* opening quote */
    while (lx->pos < end) {
        int c = lx_peekc(lx, 0);
        unsigned int ecol = lx->col;
        int v, n;

        if (c == 0) {
            lx_error(lx, lx->line, ecol, "%s", "NUL byte inside string");
            goto bad;
        }
        if (c != '\\') {
            *o++ = (char)c;
            lx_adv(lx);
            continue;
        }
        lx_adv(lx);
        c = lx_peekc(lx, 0);
        lx_adv(lx);
        switch (c) {
        case '"': case '\'': case '\\': *o++ = (char)c; break;
        case 'a': *o++ = '\a'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'v': *o++ = '\v'; break;
        case 'x':
            v = 0;
            for (n = 0; n < 2 && lx->pos < end && hexval(lx_peekc(lx, 0)) >= 0;
                 n++) {
                v = v * 16 + hexval(lx_peekc(lx, 0));
                lx_adv(lx);
            }
            if (n == 0) {
                lx_error(lx, lx->line, ecol, "%s",
                         "\\x must be followed by one or two hex digits");
                goto bad;
            }
            goto numeric;
        case '0': case '1': case '2': case '3':
        case '4': case '5': case '6': case '7':
            v = c - '0';
            for (n = 1; n < 3 && lx->pos < end && lx_peekc(lx, 0) >= '0' &&
                        lx_peekc(lx, 0) <= '7'; n++) {
                v = v * 8 + (lx_peekc(lx, 0) - '0');
                lx_adv(lx);
            }
            if (v > 255) {
                lx_error(lx, lx->line, ecol, "%s",
                         "octal escape is larger than \\377");
                goto bad;
            }
        numeric:
            if (v == 0) {
                lx_error(lx, lx->line, ecol, "%s",
                         "escape yields a NUL character, which strings "
                         "cannot hold");
                goto bad;
            }
            *o++ = (char)v;
            break;
        default:
            if (c >= 0x21 && c < 0x7f) {
                char s[2] = { (char)c, 0 };

                lx_error(lx, lx->line, ecol,
                         "unknown escape \\%s in string", s);
            } else {
                lx_error(lx, lx->line, ecol, "%s",
                         "unknown escape in string");
            }
            goto bad;
        }
    }
    *o = 0;
    lx_adv(lx);                             /* closing quote */
    lx->text = out;
    return T_STRING;
bad:
    free(out);
    while (lx->pos <= end && lx->pos < lx->len)
        lx_adv(lx);
    return T_ERROR;
}

static char *dup_range(struct lexer *lx, size_t start, size_t end)
{
    char *s = malloc(end - start + 1);

    if (!s) {
        lx->stop = 1;
        return NULL;
    }
    memcpy(s, lx->buf + start, end - start);
    s[end - start] = 0;
    return s;
}

static void lx_next(struct lexer *lx)
{
    int c;

    free(lx->text);
    lx->text = NULL;
    for (;;) {
        c = lx_peekc(lx, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            lx_adv(lx);
        } else if (c == '#') {
            while (lx->pos < lx->len && lx->buf[lx->pos] != '\n')
                lx_adv(lx);
        } else {
            break;
        }
    }
    lx->tline = lx->line;
    lx->tcol = lx->col;
    if (lx->stop || c < 0) {
        lx->t = T_EOF;
        return;
    }
    switch (c) {
    case '\n': lx_adv(lx); lx->t = T_NL; return;
    case '=': lx_adv(lx); lx->t = T_EQ; return;
    case ',': lx_adv(lx); lx->t = T_COMMA; return;
    case '[': lx_adv(lx); lx->t = T_LBRACK; return;
    case ']': lx_adv(lx); lx->t = T_RBRACK; return;
    case ';': lx_adv(lx); lx->t = T_SEMI; return;
    case '"': case '\'': lx->t = lx_string(lx); return;
    case '+':
        if (lx_peekc(lx, 1) == '=') {
            lx_adv(lx);
            lx_adv(lx);
            lx->t = T_PLUSEQ;
            return;
        }
        break;
    default:
        break;
    }
    if (is_ident_start(c)) {
        size_t start = lx->pos;

        while (is_ident_char(lx_peekc(lx, 0)))
            lx_adv(lx);
        lx->text = dup_range(lx, start, lx->pos);
        lx->t = lx->text ? T_IDENT : T_ERROR;
        return;
    }
    if (is_digit(c) || (c == '-' && is_digit(lx_peekc(lx, 1)))) {
        size_t start = lx->pos;

        lx_adv(lx);
        /* Like xl: the whole word is the number; its value is checked
         * when an option asks for one, so "0x1f" and "1e3" both lex. */
        while (is_ident_char(lx_peekc(lx, 0)))
            lx_adv(lx);
        lx->text = dup_range(lx, start, lx->pos);
        lx->t = lx->text ? T_NUMBER : T_ERROR;
        return;
    }
    if (c == '(' || c == ')' || c == ':' || c == '+' || c == '-' || c == '.')
        lx->likely_python = 1;
    if (c >= 0x21 && c < 0x7f) {
        /* Report the whole unquoted word once ("/boot/vmlinuz", "512M"
         * after a number is lexed separately), not every character. */
        size_t start = lx->pos, n;
        char *w;

        while (lx->pos < lx->len && !strchr(" \t\r\n,;[]=#\"'",
                                            lx->buf[lx->pos]) &&
               lx->buf[lx->pos] != 0)
            lx_adv(lx);
        n = lx->pos - start;
        w = dup_range(lx, start, start + (n > 64 ? 64 : n));
        if (w)
            lx_error(lx, lx->tline, lx->tcol,
                     "unexpected `%s' (strings must be quoted)", w);
        free(w);
        lx->t = T_ERROR;
        return;
    } else if (c == 0) {
        lx_error(lx, lx->tline, lx->tcol, "%s", "NUL byte in file");
    } else {
        char s[16];

        snprintf(s, sizeof(s), "\\x%02x", (unsigned int)c & 0xffu);
        lx_error(lx, lx->tline, lx->tcol, "unexpected byte %s", s);
    }
    lx_adv(lx);
    lx->t = T_ERROR;
}

/* ---- values ------------------------------------------------------- */

void xlcfg_value_free(struct xlcfg_value *v)
{
    if (!v)
        return;
    for (size_t i = 0; i < v->nitems; i++)
        xlcfg_value_free(v->items[i]);
    free(v->items);
    free(v->str);
    free(v);
}

static int list_append(struct xlcfg_value *l, struct xlcfg_value *item)
{
    struct xlcfg_value **nv;

    /* Grow by doubling: powers of two are the only sizes stored. */
    if ((l->nitems & (l->nitems - 1)) == 0) {
        size_t ncap = l->nitems ? l->nitems * 2 : 1;

        nv = realloc(l->items, ncap * sizeof(*nv));
        if (!nv)
            return -ENOMEM;
        l->items = nv;
    }
    l->items[l->nitems++] = item;
    return 0;
}

static const char *tok_desc(enum tok t)
{
    switch (t) {
    case T_EOF: return "end of file";
    case T_NL: return "end of line";
    case T_IDENT: return "a bare word";
    case T_STRING: return "a string";
    case T_NUMBER: return "a number";
    case T_EQ: return "'='";
    case T_PLUSEQ: return "'+='";
    case T_COMMA: return "','";
    case T_LBRACK: return "'['";
    case T_RBRACK: return "']'";
    case T_SEMI: return "';'";
    case T_ERROR: return "an invalid token";
    default: return "an unknown token";
    }
}

static void parse_error(struct lexer *lx, const char *what)
{
    if (lx->t == T_ERROR)
        return;                 /* the lexer said it already */
    if (lx->t == T_IDENT && lx->text && lx->d->nerrors < XLCFG_MAX_ERRORS) {
        if (xlcfg_diag_add(lx->d, XLCFG_ERROR, lx->tline, lx->tcol,
                           "expected %s, found bare word `%s' (strings "
                           "must be quoted)", what, lx->text) < 0)
            lx->stop = 1;
        return;
    }
    if (lx->d->nerrors >= XLCFG_MAX_ERRORS) {
        lx->stop = 1;
        return;
    }
    if (xlcfg_diag_add(lx->d, XLCFG_ERROR, lx->tline, lx->tcol,
                       "expected %s, found %s", what, tok_desc(lx->t)) < 0)
        lx->stop = 1;
}

static void skip_newlines(struct lexer *lx)
{
    while (lx->t == T_NL)
        lx_next(lx);
}

static struct xlcfg_value *new_value(struct lexer *lx, enum xlcfg_vtype t)
{
    struct xlcfg_value *v = calloc(1, sizeof(*v));

    if (!v) {
        lx->stop = 1;
        return NULL;
    }
    v->type = t;
    v->line = lx->tline;
    v->col = lx->tcol;
    return v;
}

/* Parses one value starting at the current token; on return the current
 * token is the one after it. NULL on error (already reported). */
static struct xlcfg_value *parse_value(struct lexer *lx, unsigned int depth)
{
    struct xlcfg_value *v = NULL, *item;

    if (lx->t == T_STRING || lx->t == T_NUMBER) {
        v = new_value(lx, lx->t == T_STRING ? XLCFG_V_STRING
                                            : XLCFG_V_NUMBER);
        if (!v)
            return NULL;
        v->str = lx->text;
        lx->text = NULL;
        lx_next(lx);
        return v;
    }
    if (lx->t != T_LBRACK) {
        parse_error(lx, "a value (a quoted string, a number or a [ list ])");
        return NULL;
    }
    if (depth >= XLCFG_MAX_LIST_DEPTH) {
        if (xlcfg_diag_add(lx->d, XLCFG_ERROR, lx->tline, lx->tcol,
                           "lists nested more than %d deep",
                           XLCFG_MAX_LIST_DEPTH) < 0)
            lx->stop = 1;
        return NULL;
    }
    v = new_value(lx, XLCFG_V_LIST);
    if (!v)
        return NULL;
    lx_next(lx);
    skip_newlines(lx);
    while (lx->t != T_RBRACK) {
        item = parse_value(lx, depth + 1);
        if (!item)
            goto fail;
        if (list_append(v, item) < 0) {
            xlcfg_value_free(item);
            lx->stop = 1;
            goto fail;
        }
        skip_newlines(lx);
        if (lx->t == T_COMMA) {
            lx_next(lx);
            skip_newlines(lx);
            continue;
        }
        if (lx->t != T_RBRACK) {
            parse_error(lx, "',' or ']' in list");
            goto fail;
        }
    }
    lx_next(lx);
    return v;
fail:
    xlcfg_value_free(v);
    return NULL;
}

/* ---- settings ----------------------------------------------------- */

void xlcfg_file_free(struct xlcfg_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        free(f->settings[i].key);
        xlcfg_value_free(f->settings[i].value);
    }
    free(f->settings);
    free(f);
}

const struct xlcfg_setting *xlcfg_file_get(const struct xlcfg_file *f,
                                           const char *key)
{
    for (size_t i = 0; f && i < f->n; i++)
        if (!strcmp(f->settings[i].key, key))
            return &f->settings[i];
    return NULL;
}

/* += on an existing setting: strings concatenate, lists join. */
static int concat(struct lexer *lx, struct xlcfg_setting *s,
                  struct xlcfg_value *add, unsigned int line,
                  unsigned int col)
{
    struct xlcfg_value *prev = s->value;
    int prev_list = prev->type == XLCFG_V_LIST;
    int add_list = add->type == XLCFG_V_LIST;

    if (prev_list != add_list) {
        xlcfg_diag_add(lx->d, XLCFG_ERROR, line, col,
                       "`%s += ...' adds a %s to a %s", s->key,
                       add_list ? "list" : "single value",
                       prev_list ? "list" : "single value");
        xlcfg_value_free(add);
        return -EINVAL;
    }
    if (add_list) {
        for (size_t i = 0; i < add->nitems; i++) {
            if (list_append(prev, add->items[i]) < 0) {
                /* Items already moved belong to prev now. */
                for (size_t j = 0; j < i; j++)
                    add->items[j] = NULL;
                xlcfg_value_free(add);
                return -ENOMEM;
            }
        }
        add->nitems = 0;
        xlcfg_value_free(add);
        return 0;
    } else {
        size_t a = strlen(prev->str), b = strlen(add->str);
        char *ns = malloc(a + b + 1);

        if (!ns) {
            xlcfg_value_free(add);
            return -ENOMEM;
        }
        memcpy(ns, prev->str, a);
        memcpy(ns + a, add->str, b + 1);
        free(prev->str);
        prev->str = ns;
        prev->type = XLCFG_V_STRING;
        xlcfg_value_free(add);
        return 0;
    }
}

static int store(struct lexer *lx, struct xlcfg_file *f, char *key,
                 unsigned int kline, unsigned int kcol, int append,
                 struct xlcfg_value *v)
{
    struct xlcfg_setting *s = (struct xlcfg_setting *)xlcfg_file_get(f, key);
    int rc = 0;

    if (s) {
        if (append) {
            rc = concat(lx, s, v, kline, kcol);
            v = NULL;
            s->appended = 1;
        } else {
            if (!lx->d->overrides_from || kline < lx->d->overrides_from)
                xlcfg_diag_add(lx->d, XLCFG_WARNING, kline, kcol,
                               "`%s' was already set on line %u; this value "
                               "replaces it", key, s->line);
            xlcfg_value_free(s->value);
            s->value = v;
            s->appended = 0;
            v = NULL;
        }
        s->line = kline;
        s->col = kcol;
        free(key);
        return rc;
    }
    if ((f->n & (f->n - 1)) == 0) {
        size_t ncap = f->n ? f->n * 2 : 1;
        struct xlcfg_setting *ns = realloc(f->settings, ncap * sizeof(*ns));

        if (!ns) {
            free(key);
            xlcfg_value_free(v);
            return -ENOMEM;
        }
        f->settings = ns;
    }
    s = &f->settings[f->n++];
    s->key = key;
    s->line = kline;
    s->col = kcol;
    s->appended = append;
    s->value = v;
    return 0;
}

/* Skips the rest of a broken statement: to the next line break that is
 * not inside brackets, or to EOF. */
static void recover(struct lexer *lx)
{
    int depth = 0;

    lx->quiet = 1;
    while (lx->t != T_EOF) {
        if (lx->t == T_LBRACK)
            depth++;
        else if (lx->t == T_RBRACK && depth > 0)
            depth--;
        else if ((lx->t == T_NL || lx->t == T_SEMI) && depth == 0)
            break;
        lx_next(lx);
    }
    lx->quiet = 0;
}

int xlcfg_parse_buffer(const char *buf, size_t len, struct xlcfg_file **out,
                       struct xlcfg_diags *d)
{
    struct lexer lx;
    struct xlcfg_file *f;
    unsigned int errors_before = d->nerrors;
    int rc = 0;

    *out = NULL;
    if (len > XLCFG_MAX_FILE_SIZE) {
        xlcfg_diag_add(d, XLCFG_ERROR, 0, 0,
                       "file is larger than %u bytes", XLCFG_MAX_FILE_SIZE);
        return -EFBIG;
    }
    f = calloc(1, sizeof(*f));
    if (!f)
        return -ENOMEM;
    memset(&lx, 0, sizeof(lx));
    lx.buf = buf;
    lx.len = len;
    lx.line = 1;
    lx.col = 1;
    lx.d = d;

    lx_next(&lx);
    while (lx.t != T_EOF && !lx.stop) {
        char *key;
        unsigned int kline, kcol;
        int append;
        struct xlcfg_value *v;

        if (lx.t == T_NL || lx.t == T_SEMI) {
            lx_next(&lx);
            continue;
        }
        if (lx.t != T_IDENT) {
            parse_error(&lx, "an option name");
            goto recover;
        }
        key = lx.text;
        lx.text = NULL;
        kline = lx.tline;
        kcol = lx.tcol;
        lx_next(&lx);
        if (lx.t != T_EQ && lx.t != T_PLUSEQ) {
            parse_error(&lx, "'=' after the option name");
            free(key);
            goto recover;
        }
        append = lx.t == T_PLUSEQ;
        lx_next(&lx);
        v = parse_value(&lx, 0);
        if (!v) {
            free(key);
            goto recover;
        }
        if (lx.t != T_NL && lx.t != T_SEMI && lx.t != T_EOF) {
            parse_error(&lx, "end of line or ';' after the value");
            free(key);
            xlcfg_value_free(v);
            goto recover;
        }
        rc = store(&lx, f, key, kline, kcol, append, v);
        if (rc == -ENOMEM)
            goto fail;
        rc = 0;
        continue;
    recover:
        recover(&lx);
    }
    free(lx.text);
    lx.text = NULL;
    if (lx.stop && d->nerrors == errors_before) {
        rc = -ENOMEM;
        goto fail;
    }
    if (d->nerrors != errors_before) {
        if (lx.likely_python)
            xlcfg_diag_add(d, XLCFG_WARNING, 0, 0,
                           "the file looks like Python; xl.cfg is not "
                           "Python and arbitrary Python is not supported");
        rc = -EINVAL;
        goto fail;
    }
    *out = f;
    return 0;
fail:
    free(lx.text);
    xlcfg_file_free(f);
    return rc;
}

int xlcfg_parse_path(const char *path, struct xlcfg_file **out,
                     struct xlcfg_diags *d)
{
    FILE *fp;
    char *buf = NULL;
    size_t len = 0, cap = 0;
    int rc = 0;

    *out = NULL;
    fp = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!fp) {
        rc = -errno;
        xlcfg_diag_add(d, XLCFG_ERROR, 0, 0,
                       "cannot open configuration file: %s", strerror(errno));
        return rc;
    }
    for (;;) {
        size_t got;

        if (len == cap) {
            char *nb;

            if (cap > XLCFG_MAX_FILE_SIZE) {
                xlcfg_diag_add(d, XLCFG_ERROR, 0, 0,
                               "file is larger than %u bytes",
                               XLCFG_MAX_FILE_SIZE);
                rc = -EFBIG;
                goto out;
            }
            cap = cap ? cap * 2 : 4096;
            nb = realloc(buf, cap);
            if (!nb) {
                rc = -ENOMEM;
                goto out;
            }
            buf = nb;
        }
        got = fread(buf + len, 1, cap - len, fp);
        len += got;
        if (got == 0) {
            if (ferror(fp)) {
                rc = -EIO;
                xlcfg_diag_add(d, XLCFG_ERROR, 0, 0,
                               "cannot read configuration file");
                goto out;
            }
            break;
        }
    }
    rc = xlcfg_parse_buffer(buf ? buf : "", len, out, d);
out:
    free(buf);
    if (fp != stdin)
        fclose(fp);
    return rc;
}
