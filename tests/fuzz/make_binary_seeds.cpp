// SPDX-FileCopyrightText: 2026 The snicit authors
// SPDX-License-Identifier: Apache-2.0
// Writes the seed corpus of fuzz_binary: one tiny file per kind (network with a uniform and a
// general CSR layer, classifier, csr, dense), each prefixed by its fuzz_binary selector byte.
// Usage: make_binary_seeds <folder>
#include <snicit/io/binary.hpp>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

namespace {

snicit::CsrMatrix<float> csr(std::int64_t rows,
                             std::int64_t cols,
                             std::vector<std::int64_t> off,
                             std::vector<std::int32_t> idx,
                             std::vector<float> val) {
  snicit::CsrMatrix<float> m;
  m.rows = rows;
  m.cols = cols;
  m.row_offsets = std::move(off);
  m.col_indices = std::move(idx);
  m.values = std::move(val);
  return m;
}

void seed(std::string const& dir, std::string const& name, unsigned char selector) {
  auto const tmp = dir + "/" + name + ".snb";
  std::ifstream in(tmp, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  std::remove(tmp.c_str());
  for (unsigned char extra : {0u, 4u}) {  // as written, and with the framing repaired
    std::ofstream out(dir + "/" + name + (extra ? "-repair" : ""), std::ios::binary);
    out.put(static_cast<char>(selector | extra));
    out << bytes;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_binary_seeds <folder>\n");
    return 2;
  }
  std::string const dir = argv[1];
  snicit::SparseNetwork<float> net;
  net.layers.resize(2);
  net.layers[0].weights = csr(3, 3, {0, 1, 2, 3}, {2, 0, 1}, {0.0625f, 0.0625f, 0.0625f});
  net.layers[0].bias = {-0.3f};
  net.layers[1].weights = csr(3, 2, {0, 2, 2, 3}, {0, 1, 1}, {1.0f, -2.0f, 0.5f});
  net.layers[1].bias = {0.1f, 0.2f};
  snicit::io::save_network(dir + "/network.snb", net);
  seed(dir, "network", 0);

  snicit::ClassifierNetwork<float> cls;
  cls.input = snicit::DenseLayer<float>{snicit::DenseMatrix<float>(2, 3, 0.5f), {0, 0.1f, 0.2f}};
  cls.hidden = net;
  cls.output = snicit::DenseLayer<float>{snicit::DenseMatrix<float>(2, 2, 1.0f), {0.5f, -0.5f}};
  snicit::io::save_classifier(dir + "/classifier.snb", cls);
  seed(dir, "classifier", 1);

  snicit::io::save_matrix(dir + "/csr.snb", csr(2, 4, {0, 2, 3}, {0, 3, 1}, {1, 1, 0.5f}));
  seed(dir, "csr", 2);

  snicit::io::save_matrix(dir + "/dense.snb", snicit::DenseMatrix<float>(2, 2, 0.25f));
  seed(dir, "dense", 3);
  return 0;
}
