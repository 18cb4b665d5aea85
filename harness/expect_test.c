/*
 * expect_test.c: the expectation parser and the stdout rule.
 */
#include "expect.h"

#include <stdio.h>
#include <string.h>

static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static bool parse(const char *text, struct expect *e, char *err)
{
    return expect_parse_text(text, e, err, 256);
}

static bool out_ok(const struct expect *e, const char *out, char *diff)
{
    return expect_check_stdout(e, out, strlen(out), diff, 512);
}

static void test_directives(void)
{
    struct expect e;
    char err[256];
    CHECK(parse("// Port of a Go example.\n"
                "// Note: prose with a colon is not a directive.\n"
                "//\n"
                "// expect: panic\n"
                "// stderr: panic: close of closed channel  \n"
                "// gomaxprocs: 1,2,4\n"
                "// args: -n 3  x\n"
                "\n"
                "#include <gorace.h>\n"
                "// expect: ok\n",
                &e, err));
    CHECK(e.outcome == OUT_PANIC && e.exit_code == 2);
    CHECK(strcmp(e.stderr_prefix, "panic: close of closed channel") == 0);
    CHECK(e.ngomaxprocs == 3 && e.gomaxprocs[0] == 1 && e.gomaxprocs[2] == 4);
    CHECK(e.nargs == 3 && strcmp(e.args[0], "-n") == 0 &&
          strcmp(e.args[2], "x") == 0 && e.args[3] == NULL);
    CHECK(!e.has_stdout);
    expect_free(&e);

    static const struct {
        const char *text;
        enum outcome o;
        int code;
    } outcomes[] = {
        {"// expect: ok\n", OUT_OK, 0},
        {"// expect: race\n", OUT_RACE, 66},
        {"// expect: deadlock\n", OUT_DEADLOCK, 2},
        {"// expect: leak\n", OUT_LEAK, 66},
        {"// expect: fatal\n", OUT_FATAL, 2},
        {"//expect:exit 3\n", OUT_EXIT, 3},
        {"  // expect: exit 0", OUT_EXIT, 0},
    };
    for (size_t i = 0; i < sizeof outcomes / sizeof *outcomes; i++) {
        CHECK(parse(outcomes[i].text, &e, err));
        CHECK(e.outcome == outcomes[i].o && e.exit_code == outcomes[i].code);
        expect_free(&e);
    }
}

static void test_errors(void)
{
    struct expect e;
    char err[256];
    CHECK(!parse("// stdout: x\n", &e, err));
    CHECK(strstr(err, "no \"// expect:\"") != NULL);
    CHECK(!parse("int x;\n// expect: ok\n", &e, err));
    CHECK(!parse("// expect: fine\n", &e, err));
    CHECK(strstr(err, "bad expect \"fine\"") != NULL);
    CHECK(!parse("// expect: exit\n", &e, err));
    CHECK(!parse("// expect: exit 256\n", &e, err));
    CHECK(!parse("// expect: exit 3x\n", &e, err));
    CHECK(!parse("// expect: ok\n// expect: ok\n", &e, err));
    CHECK(strstr(err, "line 2") != NULL);
    CHECK(!parse("// expect: ok\n// gomaxprocs: 1,,2\n", &e, err));
    CHECK(!parse("// expect: ok\n// gomaxprocs: 0\n", &e, err));
    CHECK(!parse("// expect: ok\n// gomaxprocs:\n", &e, err));
}

static void test_stdout(void)
{
    struct expect e;
    char err[256], diff[512];
    CHECK(parse("// expect: ok\n"
                "// stdout: start\n"
                "// stdout-set: a|b|a\n"
                "// stdout: end\n",
                &e, err));
    CHECK(e.nsegs == 3 && e.segs[1].is_set && e.segs[1].n == 3);
    CHECK(out_ok(&e, "start\na\nb\na\nend\n", diff));
    CHECK(out_ok(&e, "start\nb\na\na\nend\n", diff));
    CHECK(out_ok(&e, "start  \r\na\na\nb\nend", diff)); /* trailing blanks */
    CHECK(!out_ok(&e, "start\na\nb\nb\nend\n", diff));  /* multiset, not set */
    CHECK(strstr(diff, "stdout line 4: got \"b\"") != NULL);
    CHECK(!out_ok(&e, "start\na\nb\n", diff));
    CHECK(strstr(diff, "ended after 3 lines") != NULL);
    CHECK(!out_ok(&e, "start\na\nb\na\nend\nmore\n", diff));
    CHECK(strstr(diff, "stdout line 6: unexpected extra line \"more\"") !=
          NULL);
    CHECK(!out_ok(&e, "begin\na\nb\na\nend\n", diff));
    CHECK(strstr(diff, "stdout line 1: got \"begin\", want \"start\"") != NULL);
    CHECK(!out_ok(&e, "start\na\nb\na\nend\n\n", diff)); /* blank is a line */
    expect_free(&e);

    /* No stdout directive: stdout is not checked. */
    CHECK(parse("// expect: ok\n", &e, err));
    CHECK(out_ok(&e, "anything\n", diff));
    expect_free(&e);

    /* An empty exact line and a leading-space line are kept as written. */
    CHECK(parse("// expect: ok\n// stdout:\n// stdout:  x\n", &e, err));
    CHECK(out_ok(&e, "\n x\n", diff));
    CHECK(!out_ok(&e, "\nx\n", diff));
    expect_free(&e);
}

int main(void)
{
    test_directives();
    test_errors();
    test_stdout();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("expect_test: ok\n");
    return 0;
}
