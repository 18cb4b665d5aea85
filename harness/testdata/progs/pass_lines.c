// Fake program (no runtime): exact lines around a set.
// expect: ok
// stdout: first
// stdout-set: b|a|c
// stdout: last
#include <stdio.h>
int main(void)
{
    puts("first");
    puts("c");
    puts("a");
    puts("b");
    puts("last");
    return 0;
}
