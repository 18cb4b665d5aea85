/*
 * Seeded schedule exploration: the scheduler's policy when GORACE names a
 * seed. One M runs every goroutine, each choice comes from a PRNG seeded by
 * the user, and time is virtual, so a seed names one interleaving and
 * replays it exactly. See rt/explore.c for the strategies (random walk, PCT).
 */
#ifndef RT_EXPLORE_H
#define RT_EXPLORE_H

#include <stdbool.h>
#include <stdint.h>

#include "sched.h"

/* True once rt_explore_init found a seed; never changes after go_run. */
extern bool rt_explore_on;

/* Parses GORACE (seed=N, pct=D, pct_steps=K); other keys belong to the
 * detector and are ignored here. Exits with a message on a bad value. */
void rt_explore_init(void);

/* A goroutine was created (PCT gives it its random priority). */
void rt_explore_created(rt_g *g);
/* g became runnable. */
void rt_explore_put(rt_g *g);
/* Removes and returns the goroutine to run next; NULL if none is runnable. */
rt_g *rt_explore_next(void);
/* At a scheduling point of the running goroutine cur: should it yield? */
bool rt_explore_should_yield(rt_g *cur);

/* Virtual time: starts at one second and moves only when every goroutine is
 * blocked and a timer is pending (rt_explore_advance). */
int64_t rt_explore_now(void);
void rt_explore_advance(int64_t when);

/* Writes the number of scheduling steps taken to GORACE's steps_file, if
 * one was named (gorace stress measures a run's length this way to spread
 * PCT's change points over it). Called once as the program ends. */
void rt_explore_finish(void);

/* The PRNG behind select's choice and every other random decision. */
uint32_t rt_explore_rand(void);

#endif
