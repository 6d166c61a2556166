// The `peer` communicator (CUDA builds): ranks are threads of one process, each bound to a CUDA
// device (several ranks may share one GPU), moving device buffers with cudaMemcpyPeerAsync. It lets
// one GPU run several ranks for real (kernels, overlap, events, chunking), which NCCL refuses; only
// NCCL's own transport stays unexercised (shared/docs/cuda.md).
//
// How a transfer runs: isend posts a small descriptor (source pointer, device, bytes, a shared
// transfer record) through the underlying `local` communicator (eager, never blocks). The receiver,
// when its request is tested or waited on, takes the descriptor, issues cudaMemcpyPeerAsync on its
// own high-priority stream (after the sender's `ready` event when the sender set a compute stream)
// and records a completion event. Both sides' requests complete when that event has completed.
//
//   rank r (device a)                          rank r+1 (device b)
//   isend(src) --descriptor via local--> irecv(dst).test(): memcpyPeerAsync(dst@b <- src@a), event
//   send.test(): event done?                  recv.test(): event done?
//
// Collectives (barrier, allreduce, broadcast, gather) run on host memory through the local world.
//
// Sharp edges:
//  - Buffers are device pointers on the rank's device; they must stay alive and unmodified until both
//    requests complete (the copy runs when the receiver gets to it).
//  - Without set_compute_stream(), the data to send must already be complete on the device when
//    isend is called (synchronise the producing stream first).
//  - A send is only progressed by its receiver: the receiving rank must test or wait its request.
//  - Sizes must match exactly (a mismatch is a burst::Error on the receiving side).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "burst/communicator.hpp"

namespace burst::comm {

class PeerCommunicator final : public Communicator {
 public:
  // `host` is this rank's communicator of a local world (make_local_world); `device` its CUDA device.
  PeerCommunicator(std::unique_ptr<Communicator> host, int device);
  ~PeerCommunicator() override;
  PeerCommunicator(const PeerCommunicator&) = delete;
  PeerCommunicator& operator=(const PeerCommunicator&) = delete;

  int rank() const override { return host_->rank(); }
  int size() const override { return host_->size(); }
  std::string_view backend() const override { return "peer"; }
  int device() const { return device_; }
  // The stream transfers run on (a cudaStream_t): high priority, non-blocking.
  void* copy_stream() const { return stream_; }
  // Sends wait for the work enqueued on `stream` (a cudaStream_t) before they read; nullptr: none.
  void set_compute_stream(void* stream) { compute_stream_ = stream; }

  std::unique_ptr<Request> isend(const void* buf, std::size_t bytes, int peer, int tag) override;
  std::unique_ptr<Request> irecv(void* buf, std::size_t bytes, int peer, int tag) override;

  void barrier() override;
  void allreduce_max(double* values, int count) override;
  void allreduce_sum(double* values, int count) override;
  void broadcast(void* buf, std::size_t bytes, int root) override;
  std::vector<std::string> gather(std::string_view mine, int root) override;
  void abort(std::string_view reason) override;

 private:
  std::unique_ptr<Communicator> host_;
  int device_;
  void* stream_ = nullptr;          // cudaStream_t
  void* compute_stream_ = nullptr;  // cudaStream_t
};

// One peer world: rank r on devices[r] (repeat a device to run several ranks on it). Enables peer
// access between distinct devices where the hardware allows (copies go through the host otherwise).
// Throws burst::Error naming the CUDA error when a device cannot be used.
std::vector<std::unique_ptr<Communicator>> make_peer_world(
    const std::vector<int>& devices, std::chrono::milliseconds deadline = default_comm_deadline());

}  // namespace burst::comm
