# The reverse proxy in front of ampmeter (compose service `proxy`): Debian's
# nginx with docker/nginx.conf, run as an unprivileged user.
FROM debian:12-slim
RUN apt-get update -qq && \
    apt-get install -y -qq --no-install-recommends nginx-light curl >/dev/null && \
    rm -rf /var/lib/apt/lists/* && \
    rm -f /etc/nginx/sites-enabled/default
COPY docker/nginx.conf /etc/nginx/nginx.conf
USER www-data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD curl -fsS -o /dev/null http://127.0.0.1:8080/healthz || exit 1
CMD ["nginx", "-e", "stderr", "-g", "daemon off;", "-c", "/etc/nginx/nginx.conf"]
