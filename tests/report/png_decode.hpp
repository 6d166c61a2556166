// Just enough PNG decoding (with zlib) to read a Chromium screenshot: 8-bit RGB or RGBA,
// non-interlaced, all five scanline filters. Returns false (with a reason) for anything else.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

namespace burst::test {

struct Image {
  int width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  // width * height * 3
  const std::uint8_t* at(int x, int y) const { return &rgb[(static_cast<std::size_t>(y) * width + x) * 3]; }
};

inline bool decode_png(const std::string& bytes, Image& img, std::string& why) {
  auto u32 = [&](std::size_t p) {
    return (std::uint32_t(std::uint8_t(bytes[p])) << 24) | (std::uint32_t(std::uint8_t(bytes[p + 1])) << 16) |
           (std::uint32_t(std::uint8_t(bytes[p + 2])) << 8) | std::uint32_t(std::uint8_t(bytes[p + 3]));
  };
  if (bytes.size() < 8 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0) return why = "not a PNG", false;
  std::size_t p = 8;
  int channels = 0;
  std::string idat;
  while (p + 8 <= bytes.size()) {
    const std::uint32_t len = u32(p);
    const std::string type = bytes.substr(p + 4, 4);
    if (p + 12 + len > bytes.size()) return why = "truncated chunk", false;
    const std::size_t data = p + 8;
    if (type == "IHDR") {
      img.width = static_cast<int>(u32(data));
      img.height = static_cast<int>(u32(data + 4));
      const int depth = std::uint8_t(bytes[data + 8]), colour = std::uint8_t(bytes[data + 9]);
      const int interlace = std::uint8_t(bytes[data + 12]);
      if (depth != 8 || (colour != 2 && colour != 6) || interlace != 0)
        return why = "unsupported PNG (depth " + std::to_string(depth) + ", colour type " +
                     std::to_string(colour) + ")",
               false;
      channels = colour == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat.append(bytes, data, len);
    } else if (type == "IEND") {
      break;
    }
    p += 12 + len;
  }
  if (channels == 0 || img.width <= 0 || img.height <= 0) return why = "no IHDR", false;
  const std::size_t stride = static_cast<std::size_t>(img.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * img.height);
  uLongf raw_len = raw.size();
  if (uncompress(raw.data(), &raw_len, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) != Z_OK ||
      raw_len != raw.size())
    return why = "bad zlib stream", false;
  std::vector<std::uint8_t> prev(stride, 0), cur(stride);
  img.rgb.resize(static_cast<std::size_t>(img.width) * img.height * 3);
  for (int y = 0; y < img.height; ++y) {
    const std::uint8_t* line = &raw[y * (stride + 1)];
    const int filter = line[0];
    for (std::size_t i = 0; i < stride; ++i) {
      const int a = i >= static_cast<std::size_t>(channels) ? cur[i - channels] : 0, b = prev[i],
                c = i >= static_cast<std::size_t>(channels) ? prev[i - channels] : 0;
      int pred = 0;
      switch (filter) {
        case 0:
          pred = 0;
          break;
        case 1:
          pred = a;
          break;
        case 2:
          pred = b;
          break;
        case 3:
          pred = (a + b) / 2;
          break;
        case 4: {
          const int pp = a + b - c, pa = std::abs(pp - a), pb = std::abs(pp - b), pc = std::abs(pp - c);
          pred = (pa <= pb && pa <= pc) ? a : (pb <= pc ? b : c);
          break;
        }
        default:
          return why = "bad filter type", false;
      }
      cur[i] = static_cast<std::uint8_t>(line[1 + i] + pred);
    }
    for (int x = 0; x < img.width; ++x)
      for (int k = 0; k < 3; ++k)
        img.rgb[(static_cast<std::size_t>(y) * img.width + x) * 3 + k] = cur[x * channels + k];
    std::swap(prev, cur);
  }
  return true;
}

}  // namespace burst::test
