//! `codec`: encode + decode of a realistic request (an order with line
//! items, tags and an optional note), ours (serde + postcard, the default
//! payload codec) vs the same fields as a prost message.

use std::hint::black_box;
use std::time::Instant;

use prost::Message;
use serde::{Deserialize, Serialize};

use super::services::pb;
use crate::runner::{Comparison, Impl, Provenance, Sample, Skip};

/// The request as a mini-rpc user writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    id: u64,
    customer: String,
    items: Vec<LineItem>,
    tags: Vec<String>,
    note: Option<String>,
    created_unix_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct LineItem {
    sku: String,
    quantity: u32,
    price_cents: u64,
}

fn ours_order() -> Order {
    Order {
        id: 9_812_374_001,
        customer: "customer-00042@example.org".into(),
        items: (0..8)
            .map(|i| LineItem {
                sku: format!("SKU-{:06}", 1000 + i * 37),
                quantity: 1 + i,
                price_cents: 1299 + 100 * u64::from(i),
            })
            .collect(),
        tags: vec!["priority".into(), "gift".into(), "eu-west".into()],
        note: Some("leave at the door, ring twice".into()),
        created_unix_ms: 1_764_000_000_000,
    }
}

fn prost_order(o: &Order) -> pb::Order {
    pb::Order {
        id: o.id,
        customer: o.customer.clone(),
        items: o
            .items
            .iter()
            .map(|i| pb::LineItem {
                sku: i.sku.clone(),
                quantity: i.quantity,
                price_cents: i.price_cents,
            })
            .collect(),
        tags: o.tags.clone(),
        note: o.note.clone(),
        created_unix_ms: o.created_unix_ms,
    }
}

pub(crate) struct CodecBench {
    iterations: u32,
}

impl CodecBench {
    pub(crate) fn new() -> CodecBench {
        CodecBench { iterations: 0 }
    }
}

impl Comparison for CodecBench {
    fn crate_name(&self) -> &'static str {
        "mini-rpc"
    }

    fn bench(&self) -> &'static str {
        "codec"
    }

    fn describe(&self) -> String {
        "Encode then decode one order (id, customer, 8 line items, 3 tags, a note, a timestamp), \
         per iteration, in one thread; time = mean ns per encode+decode. ours: serde derive + \
         mini_rpc::CodecKind::Postcard (encode to Bytes, decode to the struct). prost: the same \
         fields as a message generated from proto/echo.proto, encode_to_vec + decode."
            .to_string()
    }

    fn cases(&self, _quick: bool) -> Vec<String> {
        vec!["order 8 items".to_string()]
    }

    fn prepare(
        &mut self,
        quick: bool,
        prov: &mut Provenance,
    ) -> anyhow::Result<(Vec<Impl>, Vec<Skip>)> {
        self.iterations = if quick { 20_000 } else { 200_000 };
        prov.version("prost", "0.14");
        let o = ours_order();
        let ours = mini_rpc::CodecKind::Postcard.encode(&o)?.len();
        let theirs = prost_order(&o).encoded_len();
        prov.note(format!(
            "codec: the order is {ours} bytes in postcard, {theirs} bytes in protobuf"
        ));
        Ok((
            vec![
                Impl {
                    name: "ours",
                    config: "serde + postcard".into(),
                },
                Impl {
                    name: "prost",
                    config: "prost 0.14 generated message".into(),
                },
            ],
            Vec::new(),
        ))
    }

    fn measure(
        &mut self,
        _case: &str,
        imp: &str,
        _prov: &mut Provenance,
    ) -> anyhow::Result<Vec<Sample>> {
        let order = ours_order();
        let n = self.iterations;
        let started = Instant::now();
        match imp {
            "ours" => {
                let codec = mini_rpc::CodecKind::Postcard;
                for _ in 0..n {
                    let bytes = codec.encode(black_box(&order))?;
                    let back: Order = codec.decode(black_box(&bytes))?;
                    black_box(back);
                }
            }
            "prost" => {
                let msg = prost_order(&order);
                for _ in 0..n {
                    let bytes = black_box(&msg).encode_to_vec();
                    let back = pb::Order::decode(black_box(&bytes[..]))?;
                    black_box(back);
                }
            }
            other => anyhow::bail!("unknown impl {other}"),
        }
        let ns = started.elapsed().as_nanos() as f64 / f64::from(n);
        Ok(vec![Sample::new("time", ns, "ns")])
    }
}
