#pragma once
/// 1: the timerfd pass-through for processes run under libfaketime (see timerfd.c).
int yiwang_faketime_fix_version(void);
