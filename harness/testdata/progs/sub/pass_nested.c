// Found by the recursive walk.
// expect: ok
// stdout:
#include <stdio.h>
int main(void)
{
    puts("");
    return 0;
}
