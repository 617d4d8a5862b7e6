//! Reports: render a [`Timeline`](crate::timeline::Timeline) as text, JSON, Markdown
//! or self-contained HTML. No parsing, no correlation, no global writer.
