/*
 * Transitional: the gate moved to run/ (run/run.h, run/stages.h). Include
 * "run/run.h" directly; this header goes away once nothing includes it.
 */
#ifndef GL_RUNNER_H
#define GL_RUNNER_H
#include "run/run.h"
#endif
