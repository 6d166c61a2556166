// A minimal NVTX tool, loaded the way Nsight Systems loads its own (NVTX_INJECTION64_PATH):
// it writes every burst-visible NVTX call to the file named by BURST_NVTX_LOG, one line each:
//   domain <name> | category <domain> <id> <name> | push <domain> <message> <category> <payload> | pop
//   <domain>
#include <nvtx3/nvToolsExt.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>

namespace {

std::mutex log_mutex;

void log_line(const std::string& line) {
  const char* path = std::getenv("BURST_NVTX_LOG");
  if (!path) return;
  std::lock_guard lock(log_mutex);
  if (FILE* f = std::fopen(path, "a")) {
    std::fprintf(f, "%s\n", line.c_str());
    std::fclose(f);
  }
}

// Handles are pointers to strings we own (never freed: the process is short).
const std::string& text_of(const void* handle) {
  return *static_cast<const std::string*>(handle);
}

nvtxDomainHandle_t NVTX_API domain_create(const char* name) {
  log_line(std::string("domain ") + name);
  return reinterpret_cast<nvtxDomainHandle_t>(new std::string(name));
}

nvtxStringHandle_t NVTX_API register_string(nvtxDomainHandle_t, const char* s) {
  return reinterpret_cast<nvtxStringHandle_t>(new std::string(s));
}

void NVTX_API name_category(nvtxDomainHandle_t d, uint32_t id, const char* name) {
  log_line("category " + text_of(d) + " " + std::to_string(id) + " " + name);
}

int NVTX_API push_ex(nvtxDomainHandle_t d, const nvtxEventAttributes_t* a) {
  std::string message = a->messageType == NVTX_MESSAGE_TYPE_REGISTERED ? text_of(a->message.registered)
                        : a->messageType == NVTX_MESSAGE_TYPE_ASCII    ? std::string(a->message.ascii)
                                                                       : std::string("?");
  const unsigned long long payload = a->payloadType == NVTX_PAYLOAD_TYPE_UNSIGNED_INT64
                                         ? static_cast<unsigned long long>(a->payload.ullValue)
                                         : 0ull;
  log_line("push " + text_of(d) + " " + message + "|" + std::to_string(a->category) + "|" +
           std::to_string(payload));
  return 0;
}

int NVTX_API pop(nvtxDomainHandle_t d) {
  log_line("pop " + text_of(d));
  return 0;
}

}  // namespace

extern "C" NVTX_DYNAMIC_EXPORT int InitializeInjectionNvtx2(NvtxGetExportTableFunc_t get_export_table) {
  auto* callbacks = static_cast<const NvtxExportTableCallbacks*>(get_export_table(NVTX_ETID_CALLBACKS));
  if (!callbacks) return 0;
  NvtxFunctionTable table = nullptr;
  unsigned int size = 0;
  if (!callbacks->GetModuleFunctionTable(NVTX_CB_MODULE_CORE2, &table, &size) || !table) return 0;
  *table[NVTX_CBID_CORE2_DomainCreateA] = reinterpret_cast<NvtxFunctionPointer>(domain_create);
  *table[NVTX_CBID_CORE2_DomainRegisterStringA] = reinterpret_cast<NvtxFunctionPointer>(register_string);
  *table[NVTX_CBID_CORE2_DomainNameCategoryA] = reinterpret_cast<NvtxFunctionPointer>(name_category);
  *table[NVTX_CBID_CORE2_DomainRangePushEx] = reinterpret_cast<NvtxFunctionPointer>(push_ex);
  *table[NVTX_CBID_CORE2_DomainRangePop] = reinterpret_cast<NvtxFunctionPointer>(pop);
  return 1;
}
