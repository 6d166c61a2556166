// parse_json_document: nlohmann's parser driven through SAX, so that a syntax error or a number out
// of range ("1e400", which nlohmann reports as out_of_range 406 and which json::parse throws past a
// caller that catches only parse_error) becomes one problem naming the byte and the JSON path of
// the value being read.
#include <vector>

#include "base/text.hpp"
#include "profiles/json_check.hpp"

namespace burst::profiles {
namespace {

// Builds the document like nlohmann's own DOM parser and remembers where it is: one frame per
// open object or array, holding the key last read (objects).
class PathTrackingBuilder final : public nlohmann::json_sax<json> {
 public:
  explicit PathTrackingBuilder(json& root) : root_(root) {}

  bool null() override { return add(nullptr); }
  bool boolean(bool v) override { return add(v); }
  bool number_integer(number_integer_t v) override { return add(v); }
  bool number_unsigned(number_unsigned_t v) override { return add(v); }
  bool number_float(number_float_t v, const string_t& /*text*/) override { return add(v); }
  bool string(string_t& v) override { return add(std::move(v)); }
  bool binary(binary_t& v) override { return add(json::binary(v)); }
  bool start_object(std::size_t /*elements*/) override { return open(json::object()); }
  bool key(string_t& k) override {
    frames_.back().key = k;
    frames_.back().keyed = true;
    return true;
  }
  bool end_object() override { return close(); }
  bool start_array(std::size_t /*elements*/) override { return open(json::array()); }
  bool end_array() override { return close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& ex) override {
    failed_ = true;
    position_ = position;
    what_ = ex.what();
    path_ = current_path();
    return false;
  }

  bool failed() const { return failed_; }
  std::size_t position() const { return position_; }
  const std::string& what() const { return what_; }
  const std::string& path() const { return path_; }

 private:
  struct Frame {
    json* value;
    std::string key;
    bool keyed = false;
  };

  // Where the next value goes: the root, the end of the open array, or the member last keyed.
  json* slot() {
    if (frames_.empty()) return &root_;
    Frame& f = frames_.back();
    if (f.value->is_array()) {
      f.value->push_back(nullptr);
      return &f.value->back();
    }
    return &(*f.value)[f.key];
  }
  template <typename V>
  bool add(V&& v) {
    *slot() = json(std::forward<V>(v));
    return true;
  }
  bool open(json empty) {
    json* target = slot();
    *target = std::move(empty);
    frames_.push_back({target, {}});
    return true;
  }
  bool close() {
    frames_.pop_back();
    return true;
  }
  // The path of the value being read when the error came: the open containers' positions. Built by
  // appending each level's step (linear in the depth: rebuilding the prefix per level took 35 s under
  // ASan on a 100k-deep document, bench/results/fuzz.md), and cut after max_path_levels levels so an
  // error about a deep document stays one readable line.
  static constexpr std::size_t max_path_levels = 32;
  std::string current_path() const {
    std::string p = "$";
    std::size_t levels = 0;
    for (const Frame& f : frames_) {
      if (!f.value->is_array() && !f.keyed) continue;  // an object before its first key: no step yet
      if (++levels > max_path_levels) {
        p += "...(" + std::to_string(frames_.size() - max_path_levels) + " levels deeper)";
        break;
      }
      if (f.value->is_array()) {
        // Elements already complete, plus the one being read (it is in the array when it is an
        // open container; a scalar that failed was never added).
        const bool nested_open = &f != &frames_.back();
        p += index_path("", f.value->size() - (nested_open ? 1 : 0));
      } else {
        p += child_path("", f.key);
      }
    }
    return p;
  }

  json& root_;
  std::vector<Frame> frames_;
  bool failed_ = false;
  std::size_t position_ = 0;
  std::string what_;
  std::string path_ = "$";
};

}  // namespace

std::optional<json> parse_json_document(std::string_view text, JsonChecker& check) {
  json doc;
  PathTrackingBuilder builder(doc);
  json::sax_parse(text.begin(), text.end(), &builder);
  if (!builder.failed()) return doc;
  std::string what = builder.what();
  // "[json.exception.parse_error.101] parse error at line 1, column 7: syntax error ..." -> after "]: "
  // ("[json.exception.out_of_range.406] number overflow parsing '1e400'" -> after "] ").
  const auto bracket = what.find(']');
  auto colon = what.find(": ", bracket == std::string::npos ? 0 : bracket);
  std::string detail;
  if (colon != std::string::npos) {
    detail = what.substr(colon + 2);
  } else {
    detail = bracket == std::string::npos ? what : what.substr(bracket + 1);
    if (!detail.empty() && detail.front() == ' ') detail.erase(0, 1);
  }
  const bool out_of_range = what.find("out_of_range") != std::string::npos;
  const std::string kind =
      out_of_range ? "JSON number out of range (beyond double) at byte " : "JSON parse error at byte ";
  check.error(builder.path(), kind + std::to_string(builder.position()) + ": " + text::valid_utf8(detail));
  return std::nullopt;
}

}  // namespace burst::profiles
