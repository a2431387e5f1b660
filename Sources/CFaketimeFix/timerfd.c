// libfaketime 0.9.10 (Debian bookworm) shifts every absolute timerfd deadline by the fake offset, also for
// CLOCK_MONOTONIC while FAKETIME_DONT_FAKE_MONOTONIC=1: the deadline turns negative (EINVAL) or hours late,
// and libdispatch's timers, hence every Task.sleep of a Swift process, never fire. Preloaded before
// libfaketime (tests and `yiwang-chaos` only, never in production), this passes timerfd calls straight to
// the kernel; the wall clock stays faked.
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "faketime_fix.h"

int timerfd_settime(int fd, int flags, const struct itimerspec *new_value, struct itimerspec *old_value) {
    return (int)syscall(SYS_timerfd_settime, fd, flags, new_value, old_value);
}

int timerfd_gettime(int fd, struct itimerspec *curr_value) {
    return (int)syscall(SYS_timerfd_gettime, fd, curr_value);
}

int yiwang_faketime_fix_version(void) { return 1; }
