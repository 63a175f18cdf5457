#ifndef AMP_SHARE_H
#define AMP_SHARE_H

#include <sys/types.h>

void	share_init(void);
void	share_seen(u_int64_t);
int	share_now(void);

#endif
