// Would fail under every seed, but the header turns seeded runs off.
// expect: ok
// stdout: hello
// seeds: 0 its output depends on real time
// args: stdout 1
#include "../seeded_fake.c"
