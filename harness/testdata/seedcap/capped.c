// Fails under seeds divisible by 3, but its header caps the seeds at 2: check
// passes it, check --full-seeds lifts the cap and finds seed 3.
// expect: ok
// stdout: hello
// args: stdout 3
// seeds: 2 the cap that --full-seeds lifts
#include "../seeded_fake.c"
