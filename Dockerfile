# horizond container image: a builder stage compiles, a slim stage runs.
#
#   docker build -t horizond .                   # build only
#   docker build --build-arg CHECK=1 -t horizond .   # also run the test suite
#   docker run -d --name horizond -p 53:53/udp -p 53:53/tcp horizond
#   docker kill -s HUP horizond                  # reload config and zones
#
# The image serves /etc/horizond/horizond.yaml, which is zones/docker.yaml
# (the example views, listening on 0.0.0.0 port 53). Mount your own
# directory over /etc/horizond to serve your zones. It runs as the
# unprivileged user "horizond"; the binary carries the CAP_NET_BIND_SERVICE
# file capability so it can bind port 53. Do not drop that capability
# (with --cap-drop=ALL add --cap-add=NET_BIND_SERVICE), or listen on a port
# above 1023 in your config and map it: -p 53:5300/udp -p 53:5300/tcp.
# SPDX-License-Identifier: BSD-3-Clause

FROM debian:bookworm-slim AS builder
ARG CHECK=0
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libevent-dev libldns-dev libssl-dev libknot-dev libyaml-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# CHECK=1: install the test dependencies too (scripts/packages.txt) and run
# ctest. The system tests need loopback (127.0.0.0/8 and ::1) only.
RUN set -e; \
    tests=OFF; \
    if [ "$CHECK" = 1 ]; then scripts/deps.sh; tests=ON; fi; \
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHZ_TESTS=$tests; \
    cmake --build build -j"$(nproc)"; \
    if [ "$CHECK" = 1 ]; then ctest --test-dir build --output-on-failure; fi; \
    strip build/horizond build/horizonctl

FROM debian:bookworm-slim
ENV DEBIAN_FRONTEND=noninteractive
COPY --from=builder /src/build/horizond /src/build/horizonctl /usr/sbin/
# Runtime libraries only; libcap2-bin just long enough to set the capability.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libevent-core-2.1-7 libevent-extra-2.1-7 libevent-pthreads-2.1-7 libldns3 libssl3 libzscanner4 libyaml-0-2 libcap2-bin \
 && setcap cap_net_bind_service=+ep /usr/sbin/horizond \
 && apt-get purge -y libcap2-bin \
 && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 953 horizond \
 && useradd --system --uid 953 --gid 953 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin horizond \
 && install -d -o horizond -g horizond -m 0750 /var/lib/horizond /run/horizond
COPY zones/ /etc/horizond/
COPY zones/docker.yaml /etc/horizond/horizond.yaml
USER horizond
# journals of dynamic zones (server.state-dir); UID/GID 953 are fixed so a
# volume's owner stays right across image rebuilds
VOLUME /var/lib/horizond
EXPOSE 53/udp 53/tcp
# the control socket (server.control's default, /run/horizond/control)
HEALTHCHECK --interval=30s --timeout=10s --retries=3 CMD ["horizonctl", "status"]
# SIGTERM (docker stop) exits 0 after in-flight TCP answers are written.
STOPSIGNAL SIGTERM
CMD ["horizond", "-c", "/etc/horizond/horizond.yaml"]
