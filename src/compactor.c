/*
 * Nothing to compact any more: ingestion writes the member rollups
 * (amp.member_days) in its own transaction (amp.rollup_apply), so there is
 * no member log to fold. compactor_start stays, empty, until the worker
 * set-up that calls it (ampmeter.c) and compactor.h drop it.
 */
#include <kore/kore.h>

#include "compactor.h"

void
compactor_start(void)
{
}
