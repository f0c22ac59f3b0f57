/*
 * oxl's output formats (tools/oxl/oxl_fmt.c, oxl_json.c): each line is
 * compared with what xl or xentop prints for the same facts, column for
 * column, so that scripts written for them parse oxl's.
 */
#include <jansson.h>
#include <string.h>

#include "unit.h"
#include "oxl_fmt.h"
#include "oxl_json.h"
#include "public/sched.h"

#define CHECK_STR(got, want) do { \
    if (strcmp((got), (want))) { \
        fprintf(stderr, "  %s:%d: got  '%s'\n  %*s want '%s'\n", __FILE__, __LINE__, (got), \
                (int)strlen(__FILE__) + 6, "", (want)); \
        unit_case_failed = 1; \
    } \
} while (0)

static struct oryx_domctl_getdomaininfo dom(const char *name, uint16_t id, uint64_t pages,
                                            uint16_t online, uint32_t flags, uint64_t cpu_ns)
{
    struct oryx_domctl_getdomaininfo d;

    memset(&d, 0, sizeof(d));
    strncpy(d.name, name, sizeof(d.name));
    d.domain = id;
    d.tot_pages = pages;
    d.nr_online_vcpus = online;
    d.nr_vcpus = online ? online : 1;
    d.flags = flags;
    d.cpu_time_ns = cpu_ns;
    return d;
}

static void uptime_text(void)
{
    char b[64];

    oxl_fmt_uptime(b, sizeof(b), 0, 0);
    CHECK_STR(b, " 0:00:00");
    oxl_fmt_uptime(b, sizeof(b), 3661, 0);
    CHECK_STR(b, " 1:01:01");
    oxl_fmt_uptime(b, sizeof(b), 86399, 0);
    CHECK_STR(b, "23:59:59");
    oxl_fmt_uptime(b, sizeof(b), 86400, 0);
    CHECK_STR(b, "1 day,  0:00:00");
    oxl_fmt_uptime(b, sizeof(b), 2 * 86400 + 13 * 3600 + 5 * 60 + 7, 0);
    CHECK_STR(b, "2 days, 13:05:07");
    oxl_fmt_uptime(b, sizeof(b), 3661, 1);
    CHECK_STR(b, " 1:01");
    oxl_fmt_uptime(b, sizeof(b), 86400 + 59, 1);
    CHECK_STR(b, "1 day,  0:00");
    oxl_fmt_uptime(b, 4, 86400, 0);             /* cut, never overrun */
    CHECK_STR(b, "1 d");
}

static void cpumaps(void)
{
    uint8_t m[4];
    char b[64];

    m[0] = 0x3;
    oxl_fmt_cpumap(b, sizeof(b), m, 2);
    CHECK_STR(b, "all");
    m[0] = 0x2;
    oxl_fmt_cpumap(b, sizeof(b), m, 2);
    CHECK_STR(b, "1");
    m[0] = 0;
    oxl_fmt_cpumap(b, sizeof(b), m, 8);
    CHECK_STR(b, "none");
    m[0] = 0x2F;
    oxl_fmt_cpumap(b, sizeof(b), m, 8);
    CHECK_STR(b, "0-3,5");
    m[0] = 0x6;
    oxl_fmt_cpumap(b, sizeof(b), m, 4);
    CHECK_STR(b, "1-2");
    m[0] = 0x1;
    oxl_fmt_cpumap(b, sizeof(b), m, 1);
    CHECK_STR(b, "all");
    m[0] = 0x81;
    m[1] = 0x01;
    oxl_fmt_cpumap(b, sizeof(b), m, 16);
    CHECK_STR(b, "0,7-8");
}

static void list_rows(void)
{
    struct oryx_domctl_getdomaininfo d;
    char b[256];

    CHECK_STR(oxl_fmt_list_header(0),
              "Name                                        ID   Mem VCPUs\tState\tTime(s)");
    CHECK_STR(oxl_fmt_list_header(1),
              "Name                                        ID   Mem VCPUs\tState\tTime(s)"
              "   UUID                            Reason-Code\tSecurity Label");
    d = dom("Domain-0", 0, 131072, 2, ORYX_DOMINF_running | ORYX_DOMINF_control, 1500000000);
    oxl_fmt_list_row(b, sizeof(b), &d, 0, NULL);
    CHECK_STR(b, "Domain-0                                     0   512     2     r-----       1.5");
    /* Crashed: shut down, reason c (xl's letters). */
    d = dom("web", 3, 32768, 0, ORYX_DOMINF_shutdown | ORYX_DOMINF_crashed, 12340000000);
    d.shutdown_reason = SHUTDOWN_crash;
    oxl_fmt_list_row(b, sizeof(b), &d, 1, NULL);
    CHECK_STR(b, "web                                          3   128     0     ---sc-      12.3"
                 " 00000000-0000-0000-0000-000000000000        3                -");
    d = dom("web", 3, 32768, 0, ORYX_DOMINF_shutdown, 0);
    d.shutdown_reason = SHUTDOWN_poweroff;
    oxl_fmt_list_row(b, sizeof(b), &d, 0, NULL);
    CHECK_STR(b, "web                                          3   128     0     ---s--       0.0");
    d = dom("beside", 1, 1024, 1, ORYX_DOMINF_blocked | ORYX_DOMINF_paused, 40000000);
    oxl_fmt_list_row(b, sizeof(b), &d, 1, "12345678-1234-1234-1234-123456789abc");
    CHECK_STR(b, "beside                                       1     4     1     -bp---       0.0"
                 " 12345678-1234-1234-1234-123456789abc        -                -");
    /* A 31-character name (the longest) is never cut, a row never overruns. */
    d = dom("abcdefghijklmnopqrstuvwxyz01234", 7, 256, 1, 0, 0);
    oxl_fmt_list_row(b, sizeof(b), &d, 0, NULL);
    CHECK(!strncmp(b, "abcdefghijklmnopqrstuvwxyz01234         ", 40));
    oxl_fmt_list_row(b, 20, &d, 1, NULL);
    CHECK_EQ(strlen(b), 19);
}

static void vcpu_rows(void)
{
    struct oryx_domctl_getvcpuinfo v;
    char b[256];

    oxl_fmt_vcpu_header(b, sizeof(b));
    CHECK_STR(b, "Name                                ID  VCPU   CPU State   Time(s) "
                 "Affinity (Hard / Soft)");
    memset(&v, 0, sizeof(v));
    v.online = 1;
    v.running = 1;
    v.cpu = 1;
    v.cpu_time_ns = 2500000000ull;
    oxl_fmt_vcpu_row(b, sizeof(b), "Domain-0", 0, 1, &v, 2);
    CHECK_STR(b, "Domain-0                             0     1    1   r--       2.5  1 / all");
    memset(&v, 0, sizeof(v));
    v.cpu = 1;
    oxl_fmt_vcpu_row(b, sizeof(b), "web", 3, 1, &v, 2);
    CHECK_STR(b, "web                                  3     1    -   --p       0.0  1 / all");
    /* One CPU: the only one is all of them. */
    memset(&v, 0, sizeof(v));
    v.online = 1;
    v.blocked = 1;
    oxl_fmt_vcpu_row(b, sizeof(b), "d", 1, 0, &v, 1);
    CHECK_STR(b, "d                                    1     0    0   -b-       0.0  all / all");
}

static void info_and_pct(void)
{
    char b[128];

    oxl_fmt_info(b, sizeof(b), "nr_cpus", "2");
    CHECK_STR(b, "nr_cpus                : 2");
    oxl_fmt_info(b, sizeof(b), "xen_commandline", "");
    CHECK_STR(b, "xen_commandline        : ");
    CHECK(oxl_cpu_pct(1500000000, 1000000000, 1000000000) == 50.0);
    CHECK(oxl_cpu_pct(3000000000ull, 1000000000, 1000000000) == 200.0);     /* two vCPUs */
    CHECK(oxl_cpu_pct(1, 2, 1000) == 0.0);     /* a new domain with the same id */
    CHECK(oxl_cpu_pct(5, 2, 0) == 0.0);
}

static void top_rows(void)
{
    struct oryx_domctl_getdomaininfo d;
    char b[256], s[7];

    oxl_fmt_top_state(s, ORYX_DOMINF_running);
    CHECK_STR(s, "-----r");
    oxl_fmt_top_state(s, ORYX_DOMINF_paused | ORYX_DOMINF_blocked);
    CHECK_STR(s, "--b-p-");
    oxl_fmt_top_state(s, ORYX_DOMINF_shutdown | ORYX_DOMINF_crashed);
    CHECK_STR(s, "-s-c--");
    oxl_fmt_top_state(s, ORYX_DOMINF_dying);
    CHECK_STR(s, "d-----");
    oxl_fmt_top_header(b, sizeof(b), 10);
    CHECK_STR(b, "      NAME  STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS");
    d = dom("averyverylongname", 0, 131072, 2, ORYX_DOMINF_running, 12900000000ull);
    oxl_fmt_top_row(b, sizeof(b), 10, &d, 50.0, 262144);
    CHECK_STR(b, "averyveryl -----r         12   50.0     524288   50.0   no limit       n/a     2");
    d = dom("web", 3, 32768, 1, ORYX_DOMINF_paused, 0);
    d.max_pages = 65536;
    oxl_fmt_top_row(b, sizeof(b), 10, &d, 0.0, 262144);
    CHECK_STR(b, "       web ----p-          0    0.0     131072   12.5     262144      25.0     1");
    d = dom("averyverylongname", 0, 131072, 2, ORYX_DOMINF_running, 0);
    oxl_fmt_top_row(b, sizeof(b), 17, &d, 0.0, 0);     /* -f; no host size: no division by 0 */
    CHECK(!strncmp(b, "averyverylongname -----r", 24));
}

static void parse_uints(void)
{
    unsigned int v = 77;

    CHECK_EQ(oxl_parse_uint("3", 1, 10, &v), 0);
    CHECK_EQ(v, 3);
    CHECK_EQ(oxl_parse_uint("0", 1, 10, &v), -1);
    CHECK_EQ(oxl_parse_uint("11", 1, 10, &v), -1);
    CHECK_EQ(oxl_parse_uint("", 1, 10, &v), -1);
    CHECK_EQ(oxl_parse_uint("x", 1, 10, &v), -1);
    CHECK_EQ(oxl_parse_uint("3x", 1, 10, &v), -1);
    CHECK_EQ(oxl_parse_uint("-1", 0, 10, &v), -1);
    CHECK_EQ(oxl_parse_uint(" 3", 0, 10, &v), -1);
    CHECK_EQ(oxl_parse_uint("99999999999999999999", 0, 4000000000u, &v), -1);
    CHECK_EQ(oxl_parse_uint(NULL, 0, 10, &v), -1);
    CHECK_EQ(v, 3);
}

static void json_read_back(void)
{
    struct oryx_domctl_getdomaininfo d[2];
    const char *uuids[2] = { NULL, "12345678-1234-1234-1234-123456789abc" };
    json_error_t err;
    json_t *all, *o, *cfg;
    char *text;

    d[0] = dom("Domain-0", 0, 131072, 2, ORYX_DOMINF_running, 1500000000);
    d[0].nr_vcpus = 2;
    d[1] = dom("web \"q\"", 3, 32768, 1, ORYX_DOMINF_shutdown, 7);
    d[1].shutdown_reason = SHUTDOWN_reboot;
    d[1].max_pages = 65536;
    d[1].nr_vcpus = 4;
    struct xdev_info vbd = { .devid = 51712, .be_state = 4, .fe_state = 4, .vdev = "xvda",
                             .target = "/srv/web.img", .node = "/dev/loop0", .mode = "w" };
    struct xdev_info vif = { .devid = 0, .be_state = 4, .fe_state = 4, .target = "xenbr0",
                             .node = "vif3.0", .mac = "00:16:3e:01:02:03" };
    struct oxl_json_devs devs[2] = { { 0 }, { .vbd = &vbd, .nvbd = 1, .vif = &vif, .nvif = 1 } };
    text = oxl_json_domains(d, uuids, devs, 2);
    CHECK(text != NULL);
    if (!text)
        return;
    CHECK(text[strlen(text) - 1] == '\n');
    all = json_loads(text, 0, &err);
    CHECK(all && json_is_array(all) && json_array_size(all) == 2);
    if (!all || json_array_size(all) != 2) {
        free(text);
        json_decref(all);
        return;
    }
    o = json_array_get(all, 0);
    CHECK_EQ(json_integer_value(json_object_get(o, "domid")), 0);
    CHECK_STR(json_string_value(json_object_get(o, "state")), "running");
    CHECK_EQ(json_integer_value(json_object_get(o, "cpu_time_ns")), 1500000000);
    CHECK(json_object_get(o, "shutdown_reason") == NULL);
    cfg = json_object_get(o, "config");
    CHECK_STR(json_string_value(json_object_get(json_object_get(cfg, "c_info"), "name")),
              "Domain-0");
    CHECK_STR(json_string_value(json_object_get(json_object_get(cfg, "c_info"), "uuid")),
              "00000000-0000-0000-0000-000000000000");
    CHECK_EQ(json_integer_value(json_object_get(json_object_get(cfg, "b_info"), "max_memkb")),
             524288);
    o = json_array_get(all, 1);
    CHECK_STR(json_string_value(json_object_get(o, "state")), "shutdown");
    CHECK_STR(json_string_value(json_object_get(o, "shutdown_reason")), "reboot");
    cfg = json_object_get(o, "config");
    CHECK_STR(json_string_value(json_object_get(json_object_get(cfg, "c_info"), "name")),
              "web \"q\"");
    CHECK_STR(json_string_value(json_object_get(json_object_get(cfg, "c_info"), "uuid")),
              uuids[1]);
    CHECK_EQ(json_integer_value(json_object_get(json_object_get(cfg, "b_info"), "max_vcpus")), 4);
    CHECK_EQ(json_array_size(json_object_get(json_object_get(cfg, "b_info"), "avail_vcpus")), 4);
    CHECK_EQ(json_integer_value(json_object_get(json_object_get(cfg, "b_info"), "max_memkb")),
             262144);
    CHECK_EQ(json_integer_value(json_object_get(json_object_get(cfg, "b_info"), "target_memkb")),
             131072);
    /* Its disk and vif, where xl lists them; dom0's lists are empty. */
    json_t *dk = json_array_get(json_object_get(cfg, "disks"), 0);
    json_t *nc = json_array_get(json_object_get(cfg, "nics"), 0);
    CHECK_STR(json_string_value(json_object_get(dk, "pdev_path")), "/srv/web.img");
    CHECK_STR(json_string_value(json_object_get(dk, "vdev")), "xvda");
    CHECK_EQ(json_integer_value(json_object_get(dk, "readwrite")), 1);
    CHECK_STR(json_string_value(json_object_get(dk, "loop")), "/dev/loop0");
    CHECK_STR(json_string_value(json_object_get(nc, "mac")), "00:16:3e:01:02:03");
    CHECK_STR(json_string_value(json_object_get(nc, "bridge")), "xenbr0");
    CHECK_EQ(json_integer_value(json_object_get(nc, "backend_state")), 4);
    CHECK_EQ(json_array_size(json_object_get(json_object_get(json_array_get(all, 0), "config"),
                                             "disks")), 0);
    json_decref(all);
    free(text);
    /* No domains: an empty array, as xl. */
    text = oxl_json_domains(d, NULL, NULL, 0);
    CHECK(text && !strcmp(text, "[]\n"));
    free(text);
}

UNIT_MAIN("oxl_fmt")
{
    TEST_RUN(uptime_text);
    TEST_RUN(cpumaps);
    TEST_RUN(list_rows);
    TEST_RUN(vcpu_rows);
    TEST_RUN(info_and_pct);
    TEST_RUN(top_rows);
    TEST_RUN(parse_uints);
    TEST_RUN(json_read_back);
}
