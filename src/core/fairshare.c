/* An org's fair share of the database's statements (see fairshare.h). */
#include <limits.h>

#include "core/fairshare.h"

int
fairshare_per_worker(int conns, int workers, int active)
{
	int	mine;

	if (active <= 1)
		return (INT_MAX);
	if (workers < 1)
		workers = 1;
	mine = (conns + workers - 1) / workers;
	return (mine <= active ? 1 : (mine + active - 1) / active);
}
