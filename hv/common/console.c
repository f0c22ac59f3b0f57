/*
 * The hypervisor console: printk formats into a line, stamps the level
 * filter, copies into a log ring (kept whatever the level) and writes to
 * the sinks: the 16550 UART and QEMU's debugcon (port 0xE9).
 * console= picks the sinks: "com1", "com2", "com1,115200", "dbgio",
 * "none", or a list such as "com1,dbgio". loglvl= sets the printed level.
 */
#include <oryx/lib.h>
#include <oryx/console.h>
#include <oryx/spinlock.h>
#include <oryx/cmdline.h>
#include <asm/io.h>
#include <asm/uart.h>
#include <asm/traps.h>
#include <asm/cpu.h>

#define LOG_RING_SIZE 65536

int console_loglvl = LOG_INFO;
static bool use_dbgio = true;
static char log_ring[LOG_RING_SIZE];
static uint64_t log_head;             /* total bytes ever written */
static uint64_t log_cleared;          /* bytes before it are forgotten (sysctl readconsole) */
static spinlock_t console_lock = SPINLOCK_INIT;   /* sinks, ring, log_head, log_cleared */

static char console_opt[64] = "com1,dbgio";
static char loglvl_opt[16] = "info";
CMDLINE_OPT_STRING("console", console_opt, "console sinks: com1[,baud], com2, dbgio, none");
CMDLINE_OPT_STRING("loglvl", loglvl_opt, "log level: error, warning, info, debug (or 0-3)");

static void sinks_write(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\n')
            uart_putc('\r');
        uart_putc(s[i]);
        if (use_dbgio)
            outb(0xE9, (uint8_t)s[i]);
    }
}

/* Caller holds console_lock. */
static void log_put(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        log_ring[(log_head + i) % LOG_RING_SIZE] = s[i];
    log_head += len;
}

void console_write(const char *s, size_t len)
{
    unsigned long f = spin_lock_irqsave(&console_lock);

    log_put(s, len);
    sinks_write(s, len);
    spin_unlock_irqrestore(&console_lock, f);
}

/* Caller holds console_lock: the oldest position still kept. */
static uint64_t log_oldest(void)
{
    uint64_t ring = log_head > LOG_RING_SIZE ? log_head - LOG_RING_SIZE : 0;

    return MAX(ring, log_cleared);
}

uint64_t console_log_head(void)
{
    unsigned long f = spin_lock_irqsave(&console_lock);
    uint64_t h = log_head;

    spin_unlock_irqrestore(&console_lock, f);
    return h;
}

size_t console_log_read(uint64_t *pos, char *buf, size_t len)
{
    unsigned long f = spin_lock_irqsave(&console_lock);
    uint64_t from = MIN(MAX(*pos, log_oldest()), log_head);
    size_t n = (size_t)MIN((uint64_t)len, log_head - from);

    for (size_t i = 0; i < n; i++)
        buf[i] = log_ring[(from + i) % LOG_RING_SIZE];
    *pos = from + n;
    spin_unlock_irqrestore(&console_lock, f);
    return n;
}

void console_log_clear(uint64_t pos)
{
    unsigned long f = spin_lock_irqsave(&console_lock);

    log_cleared = MAX(log_cleared, MIN(pos, log_head));
    spin_unlock_irqrestore(&console_lock, f);
}

void vprintk_lvl(int lvl, const char *fmt, va_list ap)
{
    char line[512];
    int n = vsnprintf(line, sizeof(line), fmt, ap);

    if (n < 0)
        return;
    if ((size_t)n >= sizeof(line))
        n = sizeof(line) - 1;
    if (lvl > console_loglvl) {
        /* Below the printed level: keep it in the ring only. */
        unsigned long f = spin_lock_irqsave(&console_lock);
        log_put(line, (size_t)n);
        spin_unlock_irqrestore(&console_lock, f);
        return;
    }
    console_write(line, n);
}

void printk_lvl(int lvl, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk_lvl(lvl, fmt, ap);
    va_end(ap);
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk_lvl(LOG_INFO, fmt, ap);
    va_end(ap);
}

/* Early: COM1 at 115200 and debugcon, before the command line is read. */
void console_early_init(void)
{
    uart_init(0x3F8, 115200);
}

static int parse_loglvl(const char *s)
{
    static const char *const names[] = { "error", "warning", "info", "debug" };

    for (unsigned i = 0; i < ARRAY_SIZE(names); i++)
        if (!strcmp(s, names[i]) || (s[0] == (char)('0' + i) && !s[1]))
            return (int)i;
    if (!strcmp(s, "all"))
        return LOG_DEBUG;
    return -1;
}

/* Applies console= and loglvl= once the command line has been parsed. */
void console_setup(void)
{
    const char *p = console_opt;
    uint16_t port = 0;
    uint64_t baud = 115200;
    bool dbg = false;
    int lvl = parse_loglvl(loglvl_opt);

    if (lvl < 0)
        printk_lvl(LOG_WARN, "warning: loglvl=%s is not a level; keeping info\n", loglvl_opt);
    else
        console_loglvl = lvl;

    while (*p) {
        const char *e = p;
        while (*e && *e != ',')
            e++;
        size_t n = (size_t)(e - p);
        if (n == 4 && !strncmp(p, "com1", 4))
            port = 0x3F8;
        else if (n == 4 && !strncmp(p, "com2", 4))
            port = 0x2F8;
        else if (n == 5 && !strncmp(p, "dbgio", 5))
            dbg = true;
        else if (n == 4 && !strncmp(p, "none", 4))
            ;
        else if (n && p[0] >= '0' && p[0] <= '9') {
            const char *end;
            if (parse_u64(p, &end, &baud, false) || end != e || !baud || baud > 115200) {
                printk_lvl(LOG_WARN, "warning: console=: bad baud rate '%.*s'\n", (int)n, p);
                baud = 115200;
            }
        } else
            printk_lvl(LOG_WARN, "warning: console=: unknown sink '%.*s'\n", (int)n, p);
        p = *e ? e + 1 : e;
    }
    uart_init(port, (uint32_t)baud);
    use_dbgio = dbg;
}

static volatile int panicking;

bool panic_claim(void)
{
    return !__atomic_exchange_n(&panicking, 1, __ATOMIC_SEQ_CST);
}

__noreturn void panic(const char *fmt, ...)
{
    va_list ap;
    char buf[256];

    local_irq_disable();
    if (!panic_claim())
        stop_this_cpu();        /* another CPU is reporting */
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    printk_lvl(LOG_ERR, "\n**** Oryx PANIC on CPU%u: %s\n", arch_panic_cpu(), buf);
    show_backtrace((uint64_t)(uintptr_t)__builtin_frame_address(0));
    arch_panic_halt();
}
