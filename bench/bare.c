/* The HTTP ceiling: a minimal libmicrohttpd server with the real server's daemon flags,
 * thread pool and limits, answering every request with a fixed ~200-byte JSON body. */
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h" /* the server's default limits */

static const char body[] =
    "{\"status\":\"ok\",\"service\":\"bench-bare\",\"version\":\"1\","
    "\"note\":\"A fixed answer of about two hundred bytes, the size of a small API reply, "
    "to measure what libmicrohttpd alone can serve.\",\"padding\":\"0123456789\"}";

static int marker; /* the per-request context: its address is enough */

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	(void)cls;
	(void)url;
	(void)method;
	(void)version;
	(void)upload_data;
	/* First call: headers only. Answering now would cost keep-alive; answer next time. */
	if (!*con_cls) {
		*con_cls = &marker;
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	struct MHD_Response *resp =
	    MHD_create_response_from_buffer(sizeof body - 1, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Content-Type", "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)conn;
	(void)toe;
	*con_cls = NULL;
}

static void usage(FILE *f)
{
	fputs("usage: bare [--port N] [--threads N]\n"
	      "Serves a fixed JSON body on 127.0.0.1 with the flags, thread pool (cores, 2..4)\n"
	      "and limits of `collagenda serve`, and prints 'listening on http://127.0.0.1:PORT'.\n"
	      "SIGINT or SIGTERM stops it.\n",
	      f);
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end = NULL;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || !end || *end || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long port = 8081, threads = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			return 0;
		}
		if (i + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		int bad = -1;
		if (!strcmp(argv[i], "--port"))
			bad = parse_uint(argv[i + 1], 65535, &port);
		else if (!strcmp(argv[i], "--threads"))
			bad = parse_uint(argv[i + 1], 64, &threads);
		if (bad) {
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n < 2 ? 2 : n > 4 ? 4 : (unsigned long)n;
	}

	/* Signals go to main's sigwait, never to a worker thread. */
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);

	struct sockaddr_in sin;
	memset(&sin, 0, sizeof sin);
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* The flags and options of http_server_start() in src/http/server.c, less TLS. */
	struct MHD_Daemon *d = MHD_start_daemon(
	    MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
		MHD_ALLOW_SUSPEND_RESUME,
	    0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
	    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_CONNECTION_LIMIT,
	    (unsigned)HTTP_DEFAULT_CONN_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
	    (unsigned)HTTP_DEFAULT_PER_IP_LIMIT, MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)HTTP_DEFAULT_TIMEOUT_S, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
	    (size_t)HTTP_CONN_MEMORY, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
	    MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bare: cannot listen on 127.0.0.1 port %lu\n", port);
		return 1;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	printf("listening on http://127.0.0.1:%u\n", di ? di->port : (unsigned)port);
	fflush(stdout);
	fprintf(stderr, "bare: %lu threads\n", threads);
	int sig = 0;
	while (sigwait(&stop, &sig) != 0)
		;
	MHD_stop_daemon(d);
	return 0;
}
