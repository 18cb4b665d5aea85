// Mimics the runtime's panic report.
// expect: panic
// stderr: panic: close of closed channel
#include <stdio.h>
int main(void)
{
    fputs("panic: close of closed channel\n\ngoroutine 1 [running]:\n", stderr);
    return 2;
}
