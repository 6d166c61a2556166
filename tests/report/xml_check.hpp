// A strict little XML reader for the report tests: parses the HTML page as XML (every tag closed,
// attributes quoted, only the five named entities and numeric references, no '<' or stray '&' in
// text) into a tree the tests can query. Throws std::runtime_error with the offset on bad input.
#pragma once

#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace burst::test::xml {

struct Node {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;
  std::vector<std::unique_ptr<Node>> children;
  std::string text;  // concatenated character data directly inside this element

  const std::string* attr(std::string_view key) const {
    for (const auto& [k, v] : attrs)
      if (k == key) return &v;
    return nullptr;
  }
  bool has_class(std::string_view cls) const {
    const auto* c = attr("class");
    if (!c) return false;
    std::string_view s = *c;
    while (!s.empty()) {
      const auto sp = s.find(' ');
      if (s.substr(0, sp) == cls) return true;
      if (sp == std::string_view::npos) break;
      s.remove_prefix(sp + 1);
    }
    return false;
  }
  // All text below this node, in document order.
  std::string all_text() const {
    std::string s = text;
    for (const auto& c : children) s += c->all_text();
    return s;
  }
  void visit(const std::function<void(const Node&)>& f) const {
    f(*this);
    for (const auto& c : children) c->visit(f);
  }
  std::vector<const Node*> find_all(const std::function<bool(const Node&)>& pred) const {
    std::vector<const Node*> out;
    visit([&](const Node& n) {
      if (pred(n)) out.push_back(&n);
    });
    return out;
  }
};

class Parser {
 public:
  explicit Parser(std::string_view doc) : s_(doc) {}

  std::unique_ptr<Node> parse() {
    skip_prolog();
    auto root = element();
    skip_misc();
    if (i_ != s_.size()) fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw std::runtime_error("XML error at offset " + std::to_string(i_) + ": " + what + " near '" +
                             std::string(s_.substr(i_, 40)) + "'");
  }
  bool starts(std::string_view p) const { return s_.substr(i_, p.size()) == p; }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  void skip_until(std::string_view end) {
    const auto p = s_.find(end, i_);
    if (p == std::string_view::npos) fail("unterminated construct");
    i_ = p + end.size();
  }
  void skip_misc() {
    for (;;) {
      ws();
      if (starts("<!--"))
        skip_until("-->");
      else if (starts("<?"))
        skip_until("?>");
      else
        return;
    }
  }
  void skip_prolog() {
    skip_misc();
    if (starts("<!DOCTYPE")) skip_until(">");
    skip_misc();
  }
  static bool name_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == ':' || c == '.';
  }
  std::string name() {
    const auto b = i_;
    while (i_ < s_.size() && name_char(s_[i_])) ++i_;
    if (b == i_) fail("expected a name");
    return std::string(s_.substr(b, i_ - b));
  }
  void entity(std::string& out) {  // at '&'
    const auto semi = s_.find(';', i_);
    if (semi == std::string_view::npos || semi - i_ > 10) fail("bare '&'");
    const auto e = s_.substr(i_ + 1, semi - i_ - 1);
    if (e == "amp")
      out += '&';
    else if (e == "lt")
      out += '<';
    else if (e == "gt")
      out += '>';
    else if (e == "quot")
      out += '"';
    else if (e == "apos")
      out += '\'';
    else if (e.size() > 1 && e[0] == '#')
      out += '?';  // numeric reference: checked for shape only
    else
      fail("unknown entity &" + std::string(e) + ";");
    if (e.size() > 1 && e[0] == '#') {
      const bool hex = e[1] == 'x';
      for (std::size_t k = hex ? 2 : 1; k < e.size(); ++k) {
        const char c = e[k];
        const bool ok = (c >= '0' && c <= '9') || (hex && ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')));
        if (!ok) fail("bad character reference");
      }
    }
    i_ = semi + 1;
  }
  std::unique_ptr<Node> element() {
    if (!starts("<")) fail("expected '<'");
    ++i_;
    auto n = std::make_unique<Node>();
    n->name = name();
    for (;;) {
      ws();
      if (starts("/>")) {
        i_ += 2;
        return n;
      }
      if (starts(">")) {
        ++i_;
        break;
      }
      std::string key = name();
      ws();
      if (!starts("=")) fail("attribute '" + key + "' without a value");
      ++i_;
      ws();
      if (i_ >= s_.size() || (s_[i_] != '"' && s_[i_] != '\'')) fail("unquoted attribute '" + key + "'");
      const char q = s_[i_++];
      std::string value;
      while (i_ < s_.size() && s_[i_] != q) {
        if (s_[i_] == '<') fail("'<' in attribute");
        if (s_[i_] == '&')
          entity(value);
        else
          value += s_[i_++];
      }
      if (i_ >= s_.size()) fail("unterminated attribute");
      ++i_;
      for (const auto& [k, v] : n->attrs)
        if (k == key) fail("duplicate attribute '" + key + "'");
      n->attrs.emplace_back(std::move(key), std::move(value));
    }
    for (;;) {  // content
      if (i_ >= s_.size()) fail("unclosed <" + n->name + ">");
      if (starts("</")) {
        i_ += 2;
        const auto closing = name();
        if (closing != n->name) fail("</" + closing + "> closes <" + n->name + ">");
        ws();
        if (!starts(">")) fail("expected '>'");
        ++i_;
        return n;
      }
      if (starts("<!--")) {
        skip_until("-->");
      } else if (starts("<![CDATA[")) {
        const auto b = i_ + 9;
        skip_until("]]>");
        n->text += std::string(s_.substr(b, i_ - 3 - b));
      } else if (starts("<")) {
        n->children.push_back(element());
      } else if (s_[i_] == '&') {
        entity(n->text);
      } else {
        n->text += s_[i_++];
      }
    }
  }

  std::string_view s_;
  std::size_t i_ = 0;
};

inline std::unique_ptr<Node> parse(std::string_view doc) {
  return Parser(doc).parse();
}

}  // namespace burst::test::xml
