#ifndef AMP_CORE_CONNEG_H
#define AMP_CORE_CONNEG_H

#include <stdbool.h>

/*
 * HTTP content negotiation for the embedded web assets (RFC 9110): whether
 * an Accept-Encoding value allows gzip, and whether an If-None-Match value
 * names an entity tag (weak comparison, as 13.1.2 asks).
 */
bool	conneg_accepts_gzip(const char *accept_encoding);
bool	conneg_etag_matches(const char *if_none_match, const char *etag);

#endif
