/*
 * Goroutine context switch for x86-64 System V.
 *
 * Only the callee-saved integer registers are saved: rbx, rbp, r12-r15.
 * Everything else is dead across a call, so the compiler has already spilled
 * it. The floating-point control words (MXCSR, x87 CW) are per thread, as in
 * Go: ldmxcsr/fldcw would cost more than the rest of the switch, and a
 * goroutine that changes the rounding mode must restore it before blocking.
 * The saved frame, lowest address first:
 *
 *     sp+0   reserved (the first frame stores default FP control words)
 *     sp+8   r15   sp+16 r14   sp+24 r13   sp+32 r12
 *     sp+40  rbx   sp+48 rbp
 *     sp+56  return address
 *
 * rt/traceback.c reads this layout to unwind a parked goroutine, and
 * rt/stack.c builds the same frame for a goroutine's first run, with the
 * return address pointing at rt_gogo_trampoline.
 */
    .text
    .globl  rt_ctx_switch
    .type   rt_ctx_switch, @function
    .p2align 4
/* void rt_ctx_switch(void **save_sp, void *new_sp) */
rt_ctx_switch:
    .cfi_startproc
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rbp, 0
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    .cfi_rel_offset rbx, 0
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    subq    $8, %rsp
    .cfi_adjust_cfa_offset 8
    movq    %rsp, (%rdi)
    movq    %rsi, %rsp
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret
    .cfi_endproc
    .size   rt_ctx_switch, .-rt_ctx_switch

/*
 * First instruction a new goroutine runs. rbx holds the entry function
 * (rt_g_entry), which never returns. The CFI marks this as the outermost
 * frame so unwinders stop here instead of wandering into the stack's base.
 */
    .globl  rt_gogo_trampoline
    .type   rt_gogo_trampoline, @function
    .p2align 4
rt_gogo_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    xorl    %ebp, %ebp
    callq   *%rbx
    ud2
    .cfi_endproc
    .size   rt_gogo_trampoline, .-rt_gogo_trampoline

    .section .note.GNU-stack,"",@progbits
