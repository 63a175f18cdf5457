#ifndef AMP_CORE_FAIRSHARE_H
#define AMP_CORE_FAIRSHARE_H

/*
 * The statements one org may run at once in one worker: all of them while
 * at most one org is active, else ceil(ceil(conns / workers) / active),
 * at least 1 (src/share.c says when an org is active).
 */
int	fairshare_per_worker(int conns, int workers, int active);

#endif
