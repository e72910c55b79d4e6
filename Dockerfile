# One image, three binaries: backend-service, client-service, aftershock-operator.
#   docker build -t aftershock:dev .
#   docker run --rm -p 8000:8000 aftershock:dev backend-service --bind=0.0.0.0
# Stage 1 builds with the same script and flags as `make build`; stage 2 carries only the
# binaries and the shared libraries they load.
FROM debian:bookworm AS build
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      g++ cmake ninja-build make pkg-config ca-certificates \
      libboost-dev libboost-system-dev libssl-dev libcpprest-dev nlohmann-json3-dev \
      libyaml-cpp-dev libspdlog-dev libgtest-dev libgmock-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B /build -G Ninja -DCMAKE_BUILD_TYPE=Release -DAFTERSHOCK_WERROR=ON \
 && cmake --build /build --target backend-service client-service aftershock-operator \
 && strip /build/bin/backend-service /build/bin/client-service /build/bin/aftershock-operator

FROM debian:bookworm-slim
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends \
      libboost-system1.74.0 libspdlog1.10 libfmt9 libcpprest2.10 libyaml-cpp0.7 libssl3 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 65532 --no-create-home --shell /usr/sbin/nologin aftershock
COPY --from=build /build/bin/backend-service /build/bin/client-service \
                  /build/bin/aftershock-operator /usr/local/bin/
USER 65532:65532
EXPOSE 8000 9090
# Services bind loopback by default; in a pod they listen on all interfaces.
ENV BIND_ADDRESS=0.0.0.0
ENTRYPOINT []
CMD ["backend-service"]
