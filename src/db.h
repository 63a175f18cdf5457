#ifndef AMP_DB_H
#define AMP_DB_H

#include <kore/kore.h>
#include <kore/pgsql.h>

void	db_release(struct kore_pgsql *);

#endif
