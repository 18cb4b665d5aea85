/* For cli_test.sh: copies stdin to stdout, prints its arguments, and exits
 * with the status given as its first argument. */
#include <stdio.h>
#include <stdlib.h>
int main(int argc, char **argv)
{
    int c;
    while ((c = getchar()) != EOF)
        putchar(c);
    for (int i = 2; i < argc; i++)
        printf("arg %s\n", argv[i]);
    return argc > 1 ? atoi(argv[1]) : 0;
}
