/* The semantic unit suites; CK_RUN_SUITE picks one (see CMakeLists.txt). */
#include "gotest.h"

Suite *suite_goroutine(void);
Suite *suite_chan(void);
Suite *suite_select(void);
Suite *suite_sync(void);
Suite *suite_time(void);
Suite *suite_context(void);
Suite *suite_context2(void);
Suite *suite_xsync(void);
Suite *suite_liveness(void);
Suite *suite_netpoll(void);

int main(void)
{
    Suite *suites[] = {suite_goroutine(), suite_chan(),  suite_select(),
                       suite_sync(),      suite_time(),  suite_context(),
                       suite_context2(),  suite_xsync(), suite_liveness(),
                       suite_netpoll()};
    return gt_run_suites(suites, sizeof suites / sizeof suites[0]);
}
