/*
 * top (xentop's table): per domain its state, CPU time and the share of
 * one CPU it used since the last sample, memory and vCPUs, refreshed
 * every -d seconds. -b writes plain tables one after another (xentop's
 * batch mode), -i N stops after N of them; otherwise the screen is
 * redrawn with xentop's summary above the table, until 'q' or Ctrl-C.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "oxl.h"
#include "oxl_ctl.h"
#include "oxl_fmt.h"
#include "xctl.h"
#include "xctl_sysctl.h"

struct sample {
    struct oryx_domctl_getdomaininfo *d;
    int n;
    uint64_t at_ns;                     /* host monotonic clock */
};

static volatile sig_atomic_t stop;
static struct termios saved_tty;
static int tty_raw;

static void on_signal(int sig)
{
    (void)sig;
    stop = 1;
}

static void tty_restore(void)
{
    if (tty_raw)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
    tty_raw = 0;
}

/* Keys without Enter, no echo: 'q' quits. */
static void tty_keys(void)
{
    struct termios t;

    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty))
        return;
    t = saved_tty;
    t.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    if (!tcsetattr(STDIN_FILENO, TCSANOW, &t)) {
        tty_raw = 1;
        atexit(tty_restore);
    }
}

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Waits up to secs, less in interactive mode when a key comes: 1 for 'q'. */
static int wait_or_quit(unsigned int secs, int interactive)
{
    uint64_t until = mono_ns() + secs * 1000000000ull;

    while (!stop) {
        uint64_t now = mono_ns();
        struct pollfd p = { STDIN_FILENO, POLLIN, 0 };
        char c;
        if (now >= until)
            return 0;
        if (!interactive || !tty_raw) {
            struct timespec ts = { 0, 100000000 };     /* signals end it sooner */
            nanosleep(&ts, NULL);
            continue;
        }
        if (poll(&p, 1, (int)((until - now) / 1000000 + 1)) > 0 && read(STDIN_FILENO, &c, 1) == 1) {
            if (c == 'q' || c == 'Q')
                return 1;
            return 0;                   /* any other key: redraw now */
        }
    }
    return 1;
}

static const struct oryx_domctl_getdomaininfo *find(const struct sample *s, uint16_t dom)
{
    for (int i = 0; s->d && i < s->n; i++)
        if (s->d[i].domain == dom)
            return &s->d[i];
    return NULL;
}

static void summary(const struct sample *s, const struct oryx_sysctl_physinfo *p,
                    const char *version)
{
    unsigned int run = 0, block = 0, pause = 0, crash = 0, dying = 0, down = 0;
    char clock[16] = "";
    time_t now = time(NULL);
    struct tm tm;
    uint64_t total_k = p->total_pages * 4, free_k = p->free_pages * 4;

    if (localtime_r(&now, &tm))
        strftime(clock, sizeof(clock), "%H:%M:%S", &tm);
    for (int i = 0; i < s->n; i++) {
        uint32_t f = s->d[i].flags;
        if (f & ORYX_DOMINF_running)
            run++;
        else if (f & ORYX_DOMINF_blocked)
            block++;
        else if (f & ORYX_DOMINF_paused)
            pause++;
        else if (f & ORYX_DOMINF_crashed)
            crash++;
        else if (f & ORYX_DOMINF_shutdown)
            down++;
        else if (f & ORYX_DOMINF_dying)
            dying++;
    }
    printf("oxl top - %s   Xen %s\n", clock, version);
    printf("%d domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u shutdown \n",
           s->n, run, block, pause, crash, dying, down);
    printf("Mem: %lluk total, %lluk used, %lluk free    CPUs: %u @ %uMHz\n",
           (unsigned long long)total_k,
           (unsigned long long)(total_k > free_k ? total_k - free_k : 0),
           (unsigned long long)free_k, p->nr_cpus, p->cpu_khz / 1000);
}

static void table(const struct sample *now, const struct sample *before, int full_names,
                  uint64_t host_pages)
{
    char line[256];
    int w = 10;                         /* xentop's NAME column */

    if (full_names)                     /* -f: as wide as the longest name */
        for (int i = 0, l; i < now->n; i++)
            if ((l = (int)strnlen(now->d[i].name, sizeof(now->d[i].name))) > w)
                w = l;
    oxl_fmt_top_header(line, sizeof(line), w);
    printf("%s\n", line);
    for (int i = 0; i < now->n; i++) {
        const struct oryx_domctl_getdomaininfo *old = find(before, now->d[i].domain);
        /* No earlier sample (the first table, a new domain): 0, as xentop. */
        double pct = old ? oxl_cpu_pct(now->d[i].cpu_time_ns, old->cpu_time_ns,
                                       now->at_ns - before->at_ns) : 0.0;
        oxl_fmt_top_row(line, sizeof(line), w, &now->d[i], pct, host_pages);
        printf("%s\n", line);
    }
}

int oxl_main_top(int argc, char **argv)
{
    static const struct option opts[] = {
        { "delay", required_argument, NULL, 'd' },
        { "batch", no_argument, NULL, 'b' },
        { "iterations", required_argument, NULL, 'i' },
        { "full-name", no_argument, NULL, 'f' },
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    const struct oxl_cmd *cmd = oxl_cmd_find("top");
    unsigned int delay = 3, iterations = 0, done = 0;
    int opt, status = 0, batch = 0, full_names = 0, rc;
    struct sample now = { NULL, 0, 0 }, before = { NULL, 0, 0 };
    struct oryx_sysctl_physinfo phys;
    struct xctl_version ver;
    char version[64];
    struct sigaction sa;
    struct xctl *x;

    while ((opt = oxl_getopt(argc, argv, "hd:bi:f", opts, cmd, &status)) != -1) {
        switch (opt) {
        case -2:
            return status;
        case 'd':
            if (oxl_parse_uint(optarg, 1, 86400, &delay)) {
                fprintf(stderr, "oxl: top: bad delay '%s' (seconds, 1 to 86400)\n", optarg);
                return 2;
            }
            break;
        case 'i':
            if (oxl_parse_uint(optarg, 1, 1000000000, &iterations)) {
                fprintf(stderr, "oxl: top: bad iteration count '%s' (1 or more)\n", optarg);
                return 2;
            }
            break;
        case 'b':
            batch = 1;
            break;
        case 'f':
            full_names = 1;
            break;
        }
    }
    if (optind != argc)
        return oxl_extra_args(cmd, argv[optind]);
    if (!(x = oxl_open_xctl(&status)))
        return status;
    rc = xctl_physinfo(x, &phys);
    if (!rc)
        rc = xctl_version(x, &ver);
    if (rc) {
        fprintf(stderr, "oxl: asking the hypervisor about the host: %s\n", strerror(-rc));
        xctl_close(x);
        return 1;
    }
    snprintf(version, sizeof(version), "%u.%u%s", ver.major, ver.minor, ver.extra);
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    if (!batch)
        tty_keys();

    while (!stop) {
        now.at_ns = mono_ns();
        now.n = xctl_domain_list(x, &now.d);
        if (now.n < 0) {
            fprintf(stderr, "oxl: listing domains: %s\n", strerror(-now.n));
            now.d = NULL;
            status = 1;
            break;
        }
        xctl_physinfo(x, &phys);        /* free memory moves; on failure the last */
        if (!batch)
            printf("\033[H\033[2J");    /* home, clear: redraw in place */
        if (!batch)
            summary(&now, &phys, version);
        table(&now, &before, full_names, phys.total_pages);
        fflush(stdout);
        free(before.d);
        before = now;
        now.d = NULL;
        if (iterations && ++done >= iterations)
            break;
        if (wait_or_quit(delay, !batch))
            break;
    }
    free(before.d);
    tty_restore();
    xctl_close(x);
    return status;
}
