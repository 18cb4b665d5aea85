// Fails under seeds divisible by 2. Its header's GORACE options must be in
// the replay command check prints: gorace run reads no header.
// expect: ok
// stdout: hello
// args: stdout 2
// gorace: step_ns=5 leaks=0
#include "../seeded_fake.c"
