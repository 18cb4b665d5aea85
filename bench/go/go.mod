module gorace/bench

go 1.19
