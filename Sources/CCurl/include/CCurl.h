#ifndef YIWANG_CCURL_H
#define YIWANG_CCURL_H
#include <curl/curl.h>
#include <stddef.h>

/* Non-variadic wrappers around curl_easy_setopt / curl_easy_getinfo, which Swift cannot call directly. */
CURLcode yw_curl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode yw_curl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode yw_curl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode yw_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
typedef size_t (*yw_curl_write_callback)(char *data, size_t size, size_t count, void *context);
CURLcode yw_curl_setopt_write(CURL *handle, yw_curl_write_callback callback, void *context);
CURLcode yw_curl_setopt_header(CURL *handle, yw_curl_write_callback callback, void *context);
long yw_curl_response_code(CURL *handle);
#endif
