// Fails whenever it runs without a seed; its header turns the free runs
// off, so check runs it under seeds only.
// expect: ok
// stdout: hello
// gomaxprocs: none its outcome depends on real time
// args: free
#include "../seeded_fake.c"
