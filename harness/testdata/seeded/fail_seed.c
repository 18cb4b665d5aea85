// Fails under seed 3 only: check must name the seed and the replay command.
// expect: ok
// stdout: hello
// args: stdout 3
#include "../seeded_fake.c"
