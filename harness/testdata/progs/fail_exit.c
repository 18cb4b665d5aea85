// expect: deadlock
#include <stdio.h>
int main(void)
{
    fputs("fatal error: something else\n", stderr);
    return 2;
}
