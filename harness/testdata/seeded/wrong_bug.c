// Declares a deadlock, but seeds divisible by 5 exit 3: that is not the bug.
// expect: ok
// stdout: hello
// bug: deadlock
// args: exit 5
#include "../seeded_fake.c"
