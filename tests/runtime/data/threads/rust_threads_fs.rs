// std::thread with mpsc channels, a Mutex and an Arc, and std::fs: threads
// write files, the main thread reads them back and lists the directory.
use std::fs;
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

fn main() {
    let (tx, rx) = mpsc::channel();
    let total = Arc::new(Mutex::new(0u64));
    fs::create_dir_all("out").expect("create_dir_all out");
    let mut handles = Vec::new();
    for id in 0..6u64 {
        let tx = tx.clone();
        let total = Arc::clone(&total);
        handles.push(thread::spawn(move || {
            let mut sum = 0u64;
            for n in 1..=1000u64 {
                sum += n * (id + 1);
            }
            *total.lock().unwrap() += sum;
            fs::write(format!("out/part-{}.txt", id), format!("{}\n", sum)).expect("write part");
            tx.send((id, sum)).expect("send");
            id
        }));
    }
    drop(tx);
    let mut received: Vec<(u64, u64)> = rx.iter().collect();
    received.sort();
    let joined: Vec<u64> = handles.into_iter().map(|h| h.join().expect("join")).collect();
    println!("received {} messages, joined {:?}", received.len(), joined);
    for (id, sum) in &received {
        let text = fs::read_to_string(format!("out/part-{}.txt", id)).expect("read part");
        println!("thread {} sent {} and wrote {}", id, sum, text.trim());
    }
    let mut names: Vec<String> = fs::read_dir("out")
        .expect("read_dir")
        .map(|e| e.expect("entry").file_name().into_string().expect("utf-8"))
        .collect();
    names.sort();
    println!("files: {}", names.join(" "));
    let total = *total.lock().unwrap();
    println!("total {}", total);
    let meta = fs::metadata("out/part-0.txt").expect("metadata");
    println!("part-0 is {} bytes", meta.len());
    fs::remove_dir_all("out").expect("remove_dir_all");
    println!("removed: {}", !std::path::Path::new("out").exists());
    std::process::exit(if total == 500500 * 21 { 0 } else { 2 });
}
