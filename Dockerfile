# restock in a small runtime image, for the sharded runs of deploy/ (Kubernetes, Slurm with
# containers, AWS Batch):
#
#   docker build -t restock:0.1.0 .
#   docker run --rm -v "$PWD/runs:/runs" restock:0.1.0 run scenarios/textbook-ss.yaml --out /runs/textbook
#
# The build stage compiles the release binary; the runtime stage holds only that binary and the
# shipped scenarios (restock needs no system library beyond glibc: charts and fonts are built in).
FROM rust:1.89-slim-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src src
COPY benches benches
COPY examples examples
COPY assets assets
RUN cargo build --release --locked --bin restock

FROM debian:bookworm-slim
COPY --from=build /src/target/release/restock /usr/local/bin/restock
COPY scenarios /work/scenarios
WORKDIR /work
ENTRYPOINT ["restock"]
