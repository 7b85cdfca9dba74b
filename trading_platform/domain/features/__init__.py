"""Point-in-time features from market data: the numba kernels (each with a plain twin), the
feature frame, and the checks that features see only the past and match today's closes."""
