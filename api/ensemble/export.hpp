// ensemble/export.hpp: which declarations the shared library exports.
//
// libensemble is built with hidden visibility: only what is marked
// ENSEMBLE_API is part of the binary interface. Users never write it; it
// marks the public classes and functions, and the out-of-line hooks that
// ensemble's own templates call from the user's code (the task model's
// hooks are listed in ensemble/detail/task_hooks.hpp). Everything else, the
// runtime and the libraries it uses (moodycamel's queue), stays private, so
// the library can change inside without breaking programs linked to it.
#pragma once

#if defined(_WIN32)
#define ENSEMBLE_API
#else
#define ENSEMBLE_API [[gnu::visibility("default")]]
#endif
