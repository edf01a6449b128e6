// libedit (BSD editline, Debian's libedit-dev) through its readline-compatible interface. The globals it exports
// are read and set through these wrappers, so Swift never touches a C global directly.
#ifndef CEDITLINE_SHIM_H
#define CEDITLINE_SHIM_H
#include <stdio.h>
#include <editline/readline.h>

static inline void ceditline_set_output_stderr(void) { rl_outstream = stderr; }
static inline void ceditline_set_catch_signals(int value) { rl_catch_signals = value; }
static inline void ceditline_set_completion(rl_completion_func_t *_Nullable function) {
    rl_attempted_completion_function = function;
}
static inline void ceditline_set_completion_over(int value) { rl_attempted_completion_over = value; }
static inline const char *_Nullable ceditline_line_buffer(void) { return rl_line_buffer; }
static inline void ceditline_set_getc(int (*_Nonnull function)(FILE *_Nullable)) { rl_getc_function = function; }
#endif
