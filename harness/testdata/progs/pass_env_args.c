// Runs once per GOMAXPROCS value with the header's arguments; stdin is empty.
// expect: ok
// gomaxprocs: 1,2
// seeds: 0 it checks the GOMAXPROCS that free runs set
// args: alpha  beta
// stdout: alpha beta
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
int main(int argc, char **argv)
{
    const char *p = getenv("GOMAXPROCS");
    if (p == NULL || (strcmp(p, "1") != 0 && strcmp(p, "2") != 0))
        return 1;
    if (getchar() != EOF || argc != 3)
        return 1;
    printf("%s %s\n", argv[1], argv[2]);
    return 0;
}
