#ifndef AMP_COMPACTOR_H
#define AMP_COMPACTOR_H

/* Folds the member rollup log into member_months, from worker 1 only. */
void	compactor_start(void);

#endif
