"""Publication: public postings, published results and the public record."""
