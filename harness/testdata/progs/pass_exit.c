// expect: exit 3
// stdout: bye
#include <stdio.h>
int main(void)
{
    puts("bye");
    return 3;
}
