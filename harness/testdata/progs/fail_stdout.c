// expect: ok
// stdout: want this
#include <stdio.h>
int main(void)
{
    puts("got <this> & \"that\"\x01\xff");
    fputs("stderr \x02 bytes\xc3\n", stderr);
    return 0;
}
