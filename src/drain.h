#ifndef AMP_DRAIN_H
#define AMP_DRAIN_H

/* In each worker: SIGTERM drains the worker instead of dropping requests. */
void	drain_init(void);

#endif
