// A declared bug: correct output "hello"; seeds divisible by 4 panic.
// expect: ok
// gomaxprocs: 1
// stdout: hello
// bug: panic
// args: panic 4
#include "../seeded_fake.c"
